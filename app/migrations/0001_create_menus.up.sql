-- One menu document per restaurant. A restaurant is known to this service
-- once it has a menu (created by the first PUT); the document is validated by
-- the API before it is written, so it is stored as JSONB rather than
-- normalised into tables: menus are always read and written whole.
CREATE TABLE IF NOT EXISTS menus (
    restaurant_id BIGINT      PRIMARY KEY CHECK (restaurant_id > 0),
    document      JSONB       NOT NULL CHECK (jsonb_typeof(document) = 'object'),
    -- version increases by one on every write; the cache uses it so that an
    -- older copy (e.g. read from a lagging replica) never replaces a newer one.
    version       BIGINT      NOT NULL DEFAULT 1 CHECK (version > 0),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
