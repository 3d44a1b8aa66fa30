/**
 * npm run bench:trail — how fast the audit trail verifies: BENCH_EVENTS events (default 100,000) in draft-sized
 * chains are written with real hashes, then every chain is recomputed by the same code as `npm run audit:verify`
 * and the verify endpoint; then one event is edited as superuser and the run must name it. Prints numbers and
 * writes bench/results/trail.json; asserts nothing but that the tampering is found.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { createDatabase, runMigrations } from '../src/db/pool';
import { auditEventHash, draftChain, GENESIS_HASH, type AuditEventBody } from '../src/domain/audit';
import { verifyChains } from '../src/services/audit-trail.service';
import { createBenchDatabase } from './lib/database';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const PER_CHAIN = 10;
const TYPES = ['draft.submitted', 'checks.completed', 'review.approved', 'review.approved', 'review.approved', 'draft.released'];

async function main(): Promise<void> {
  const bench = await createBenchDatabase('trail');
  const databaseUrl = bench.url;
  const writer = new Client({ connectionString: databaseUrl });
  const database = createDatabase(databaseUrl);
  try {
    await runMigrations(databaseUrl);
    await writer.connect();

    // Write the chains in batches of whole chains, hashed exactly as the app hashes them.
    const writeStart = performance.now();
    const actorId = randomUUID();
    let start = Date.parse('2026-01-05T08:00:00.000Z');
    let written = 0;
    while (written < EVENTS) {
      const rows: Array<AuditEventBody & { prevHash: string; hash: string }> = [];
      while (rows.length < 5_000 && written + rows.length < EVENTS) {
        const draftId = randomUUID();
        let prevHash = GENESIS_HASH;
        const length = Math.min(PER_CHAIN, EVENTS - written - rows.length);
        for (let seq = 1; seq <= length; seq++) {
          const body: AuditEventBody = {
            chain: draftChain(draftId),
            seq,
            draftId,
            revisionId: randomUUID(),
            actorId,
            actorName: '压测审核员（bench）',
            type: TYPES[(seq - 1) % TYPES.length]!,
            outcome: 'success',
            data: { stage: seq % 3 === 0 ? 'final' : 'first', version: seq, comment: '同意发布。' },
            createdAt: new Date((start += 1_000)),
          };
          const hash = auditEventHash(prevHash, body);
          rows.push({ ...body, prevHash, hash });
          prevHash = hash;
        }
      }
      await writer.query(
        `INSERT INTO audit_events (chain, seq, draft_id, revision_id, actor_id, actor_name, type, outcome, data, created_at, prev_hash, hash)
         SELECT * FROM unnest($1::text[], $2::int[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[],
                              $9::jsonb[], $10::timestamptz[], $11::text[], $12::text[])`,
        [
          rows.map((r) => r.chain),
          rows.map((r) => r.seq),
          rows.map((r) => r.draftId),
          rows.map((r) => r.revisionId),
          rows.map((r) => r.actorId),
          rows.map((r) => r.actorName),
          rows.map((r) => r.type),
          rows.map((r) => r.outcome),
          rows.map((r) => JSON.stringify(r.data)),
          rows.map((r) => r.createdAt.toISOString()),
          rows.map((r) => r.prevHash),
          rows.map((r) => r.hash),
        ],
      );
      written += rows.length;
    }
    const writeSeconds = (performance.now() - writeStart) / 1000;
    await writer.query('ANALYZE audit_events');

    const verifyStart = performance.now();
    const report = await verifyChains(database.db, null);
    const verifySeconds = (performance.now() - verifyStart) / 1000;
    if (!report.ok || report.checkedEvents !== EVENTS) throw new Error(`clean trail did not verify: ${JSON.stringify(report.firstBreak)} (${report.checkedEvents} events)`);

    // Tamper with one event in the middle, as a superuser could, and verify again.
    const victim = await writer.query<{ id: string; chain: string; seq: number }>('SELECT id, chain, seq FROM audit_events ORDER BY id OFFSET $1 LIMIT 1', [Math.floor(EVENTS / 2)]);
    const target = victim.rows[0]!;
    // A superuser can switch the append-only trigger off; the chain is what still tells.
    await writer.query('SET session_replication_role = replica');
    await writer.query(`UPDATE audit_events SET data = jsonb_set(data, '{comment}', '"不同意"') WHERE id = $1`, [target.id]);
    const tamperStart = performance.now();
    const tampered = await verifyChains(database.db, null);
    const tamperSeconds = (performance.now() - tamperStart) / 1000;
    const named = tampered.firstBreak?.eventId === Number(target.id);

    const result = {
      events: EVENTS,
      chains: report.chains.length,
      writeSeconds: Number(writeSeconds.toFixed(2)),
      verifySeconds: Number(verifySeconds.toFixed(2)),
      eventsPerSecond: Math.round(EVENTS / verifySeconds),
      tamperedEventNamed: named,
      tamperVerifySeconds: Number(tamperSeconds.toFixed(2)),
      targetSeconds: 30,
    };
    console.log('\nsanshen bench:trail (real PostgreSQL, the verify code of audit:verify and /trail/verify)');
    console.log(`  ${EVENTS} events in ${report.chains.length} chains written in ${writeSeconds.toFixed(1)} s`);
    console.log(`  verify all: ${verifySeconds.toFixed(2)} s → ${result.eventsPerSecond} events/s (target: 100k events < 30 s)`);
    console.log(`  one event edited as superuser: ${named ? 'named' : 'NOT NAMED'} (chain ${target.chain} seq ${target.seq}) in ${tamperSeconds.toFixed(2)} s\n`);
    const dir = resolve(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(resolve(dir, process.env.BENCH_RESULT_NAME ?? 'trail.json'), `${JSON.stringify(result, null, 2)}\n`);
    if (!named) process.exitCode = 1;
  } finally {
    await writer.end().catch(() => undefined);
    await database.close();
    await bench.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
