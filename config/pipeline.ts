/**
 * The registered automated checks, in run order. Every revision owes one run of each; the worker refuses to
 * start if its engine lacks one of them.
 */
export const CHECK_IDS: readonly string[] = ['sensitive', 'advertising', 'secrecy', 'copyright', 'proofreading', 'escalation'];
