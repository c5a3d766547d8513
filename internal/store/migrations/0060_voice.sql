-- Citizen voice (internal/voice): conversation programmes, their sessions,
-- responses with two consents, and answers. Free text arrives redacted:
-- voice.Text can only be made by the redaction scanner.
CREATE TABLE voice_programmes (
	id          VARCHAR PRIMARY KEY,
	title       VARCHAR NOT NULL,
	description VARCHAR NOT NULL,
	host        VARCHAR NOT NULL,
	questions   VARCHAR NOT NULL, -- JSON: []voice.Question
	codebook    VARCHAR NOT NULL, -- JSON: []voice.Theme
	created_at  TIMESTAMP NOT NULL,
	created_by  VARCHAR NOT NULL
);
CREATE TABLE voice_sessions (
	id           VARCHAR PRIMARY KEY,
	programme_id VARCHAR NOT NULL,
	date         DATE NOT NULL,
	place        VARCHAR NOT NULL,
	district     VARCHAR NOT NULL,
	host         VARCHAR NOT NULL,
	wave         INTEGER NOT NULL
);
CREATE SEQUENCE voice_response_seq;
CREATE TABLE voice_responses (
	id            VARCHAR PRIMARY KEY,
	seq           BIGINT NOT NULL DEFAULT nextval('voice_response_seq'),
	programme_id  VARCHAR NOT NULL,
	session_id    VARCHAR NOT NULL,
	district      VARCHAR NOT NULL,
	age_band      VARCHAR NOT NULL,
	consent_store BOOLEAN NOT NULL,
	consent_quote BOOLEAN NOT NULL,
	captured_by   VARCHAR NOT NULL,
	captured_at   TIMESTAMP NOT NULL
);
CREATE TABLE voice_answers (
	response_id VARCHAR NOT NULL,
	question_id VARCHAR NOT NULL,
	option      VARCHAR NOT NULL,
	text        VARCHAR NOT NULL, -- redacted
	PRIMARY KEY (response_id, question_id)
);
CREATE TABLE voice_codings (
	programme_id VARCHAR NOT NULL,
	response_id  VARCHAR NOT NULL,
	question_id  VARCHAR NOT NULL,
	coder        VARCHAR NOT NULL,
	themes       VARCHAR NOT NULL, -- JSON: []string
	coded_at     TIMESTAMP NOT NULL,
	PRIMARY KEY (response_id, question_id, coder)
);
CREATE TABLE voice_quotes (
	id           VARCHAR PRIMARY KEY,
	programme_id VARCHAR NOT NULL,
	response_id  VARCHAR NOT NULL,
	question_id  VARCHAR NOT NULL,
	text         VARCHAR NOT NULL, -- redacted
	district     VARCHAR NOT NULL,
	theme        VARCHAR NOT NULL,
	state        VARCHAR NOT NULL,
	proposed_by  VARCHAR NOT NULL,
	proposed_at  TIMESTAMP NOT NULL,
	checked_by   VARCHAR NOT NULL,
	checked_at   TIMESTAMP,
	note         VARCHAR NOT NULL,
	released_at  TIMESTAMP,
	digest       VARCHAR NOT NULL
);
CREATE TABLE voice_actions (
	id           VARCHAR PRIMARY KEY,
	programme_id VARCHAR NOT NULL,
	theme_id     VARCHAR NOT NULL,
	project      VARCHAR NOT NULL,
	title        VARCHAR NOT NULL,
	link         VARCHAR NOT NULL,
	by_user      VARCHAR NOT NULL,
	added_at     TIMESTAMP NOT NULL
);
