-- Issue 16, measured at 1M drafts (bench:scale).
--
-- Board columns of one status without a stage (待发布 approved, 已退回 returned; 机审中 checking/checks_failed)
-- could not read drafts_board_idx (status, stage, stage_entered_at) in column order, so each first screen sorted
-- every draft of the column (returned: 8k drafts, 52 ms; with this index 0.3 ms). Partial, like drafts_board_idx:
-- only the drafts a board shows.
CREATE INDEX "drafts_board_status_idx" ON "drafts" ("status", "stage_entered_at", "id")
  WHERE "status" IN ('checking', 'checks_failed', 'approved', 'returned');
--> statement-breakpoint
-- A unit desk's capped count of "own drafts outside my units" (listDrafts), answered from the index alone.
CREATE INDEX "drafts_author_unit_idx" ON "drafts" ("author_id", "unit_id");
