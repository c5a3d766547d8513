-- Facts about the store itself, e.g. that `civiclink demo` made it.
CREATE TABLE store_meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
