/** Queue names. BullMQ job ids must not contain ':'; ours are `<revisionId>-<checkId>`. */
export const QUEUES = { checks: 'checks', notifications: 'notifications' } as const;

export function checkJobId(revisionId: string, checkId: string): string {
  return `${revisionId}-${checkId}`;
}

/** One job per attempt at a delivery: `<deliveryId>-<attempt>` (PostgreSQL's attempt count, so a retry is a new id). */
export function deliveryJobId(deliveryId: string, attempt: number): string {
  return `${deliveryId}-${attempt}`;
}
