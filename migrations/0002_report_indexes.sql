CREATE INDEX "cases_closed" ON "cases" USING btree ("closed_at");--> statement-breakpoint
CREATE INDEX "outbox_escalations" ON "outbox" USING btree ("case_id") WHERE "outbox"."kind" = 'escalation' and "outbox"."parent_id" is null;--> statement-breakpoint
CREATE INDEX "tasks_done" ON "tasks" USING btree ("done_at") WHERE "tasks"."done_at" is not null;