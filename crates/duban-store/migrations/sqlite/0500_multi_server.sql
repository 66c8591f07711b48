-- Several servers on one database (issue 15): a delivery is claimed by one server for a lease;
-- a server that dies mid-delivery loses its claim when the lease runs out.
ALTER TABLE notification_delivery ADD COLUMN claimed_by TEXT;
ALTER TABLE notification_delivery ADD COLUMN lease_until TEXT;
