-- A published service belongs to the partner whose community editor first
-- published it: only that partner's editors change it. Existing services
-- are given to the partner of their first version's publisher.
ALTER TABLE community_versions ADD COLUMN owner VARCHAR DEFAULT '';

UPDATE community_versions SET owner = coalesce((
    SELECT u.partner_id FROM community_versions f JOIN users u ON u.id = f.published_by
    WHERE f.service_id = community_versions.service_id AND f.version = 1), '');
