DROP TABLE process_leases;
