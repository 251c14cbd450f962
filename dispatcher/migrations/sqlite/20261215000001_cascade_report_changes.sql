-- When a child's report last changed: the `asked_ms` of the answer whose counts (the whole
-- report: state, fan-out, deliveries per channel and status) differed from the one stored
-- before it. A parent keeps asking a settled child every round while its counts still move,
-- since acknowledgements and receipts trickle in after the fan-out is done, and less often
-- once they have been quiet a while. NULL for reports recorded before this column existed:
-- when they last changed is not known, and they are taken as quiet.
ALTER TABLE cascade_reports ADD COLUMN changed_ms INTEGER;
