-- Work that one process of an instance does at a time (the scheduler): the process holding the lease until
-- it expires; another takes it over when the holder stops renewing it.
CREATE TABLE process_leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
