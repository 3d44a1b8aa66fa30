import { join, resolve } from 'node:path';
import { readEnv } from '../config/env';
import { createDatabase } from '../src/db/pool';
import { auditKey, startEmbeddedPostgres } from '../src/embedded';
import { verifyChains } from '../src/services/audit-trail.service';

/**
 * `npm run audit:verify`: recomputes every hash chain and compares the heads with the signed checkpoints kept
 * outside the database. Exits 1 and names the first broken event when anything does not fit.
 */
async function main(): Promise<void> {
  const env = readEnv();
  const dataDir = resolve(env.DATA_DIR);
  const embedded = env.DATABASE_URL ? null : await startEmbeddedPostgres(dataDir, (l) => console.error(l));
  const database = createDatabase(env.DATABASE_URL ?? embedded!.url);
  try {
    const started = Date.now();
    const report = await verifyChains(database.db, {
      dir: env.AUDIT_CHECKPOINT_DIR ?? join(dataDir, 'audit', 'checkpoints'),
      key: auditKey(dataDir, env.AUDIT_HMAC_KEY),
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(2);
    console.log(`chains: ${report.chains.length}, events: ${report.checkedEvents}, ${seconds} s`);
    if (report.invalidCheckpoints.length > 0) console.log(`checkpoints with a bad signature: ${report.invalidCheckpoints.join(', ')}`);
    if (report.missingCheckpoints.length > 0) console.log(`checkpoint files missing: ${report.missingCheckpoints.join(', ')}`);
    console.log(`checkpoint files read: ${report.checkpointFilesRead}`);
    if (report.ok) {
      console.log('OK: every chain verifies and matches its signed checkpoint');
    } else {
      console.log(`BROKEN: ${JSON.stringify(report.firstBreak)}`);
      process.exitCode = 1;
    }
  } finally {
    await database.close();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
