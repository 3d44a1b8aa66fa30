/** Queue names. BullMQ job ids must not contain ':'; ours are `<revisionId>-<checkId>`. */
export const QUEUES = { checks: 'checks' } as const;

export function checkJobId(revisionId: string, checkId: string): string {
  return `${revisionId}-${checkId}`;
}
