import { Client } from 'pg';
import { auditEventHash, GENESIS_HASH } from '../../src/domain/audit';

/**
 * A synthetic archive generated in SQL (issue 16), shaped like a school's after some years: 30 units with two
 * platforms each and a 宣传部, ~1.75 revisions per draft with Chinese bodies of ~460 characters, three 审 decisions per
 * released draft, two findings per current revision, a hash-chained trail of 2–6 events per draft, and a status mix
 * with ~6 % of drafts open in review (most recent ones). Ids are md5-derived from `key`, times from `anchor`, so two
 * runs with the same key and anchor write the same rows.
 *
 * Two ways to write it, which must end in the same database (test/integration/scale-seed.test.ts compares them):
 * - `bulk` (default; what bench:scale uses up to 1M drafts): as a superuser with triggers and foreign-key checks off
 *   (session_replication_role = replica) and every index that backs no constraint dropped; afterwards the indexes are
 *   rebuilt once (the revisions' token index, the long one, on a second connection while the rest is generated) and
 *   the trigger-maintained tables (chain heads, dashboard rollups) are filled with the statements of the triggers
 *   themselves, set-based over the whole archive.
 * - `bulk: false`: the same INSERTs with every trigger and index live, i.e. the tables the product's writes maintain
 *   are maintained by the product's own triggers.
 *
 * Audit hashes are random-looking (not recomputable), except for the chains `realChains` names (and those passed to
 * `linkRealChains` later), which carry real hash links, so verifying them is the real work.
 */
export interface ArchiveShape {
  drafts: number;
  /** Distinguishes names (units are unique by name/code). */
  key: string;
  units?: number;
  /** Bulk load (default) or row-by-row maintained (see above). */
  bulk?: boolean;
  /** Connection string of the same database: the revisions' token index is then built on a second connection. */
  url?: string;
  /** The archive ends here (ISO time; default now). */
  anchor?: string;
  /** Every how many drafts a chain gets real hashes (default 1000; 0 = none). */
  realChainEvery?: number;
  /** Log progress lines. */
  log?: (line: string) => void;
}

export interface SeededArchive {
  unitId: string;
  platformId: string;
  officeId: string;
  reviewerIds: string[];
  /** Seconds per phase, in order. */
  phases: Array<[string, number]>;
  /** Chains with real hash links. */
  realChains: string[];
}

const PHRASES = [
  '学校召开',
  '党委理论学习中心组',
  '专题学习会',
  '深入学习贯彻',
  '全面从严治党',
  '立德树人根本任务',
  '教育教学改革',
  '人才培养质量',
  '学院举行',
  '学术报告会',
  '新生开学典礼',
  '毕业典礼暨学位授予仪式',
  '图书馆新馆',
  '开放时间调整',
  '校园文化建设',
  '志愿服务活动',
  '运动会圆满落幕',
  '科研团队取得新进展',
  '国家自然科学基金',
  '产学研合作',
  '招生宣传工作',
  '就业创业指导',
  '心理健康教育',
  '安全教育周',
  '实验室安全检查',
  '食堂服务质量',
  '宿舍管理规定',
  '奖学金评审结果',
  '校友返校',
  '国际交流合作',
  '孔子学院',
  '暑期社会实践',
  '红色教育基地',
  '主题党日活动',
  '青年大学习',
  '共青团',
  '学生会换届',
  '社团招新',
  '艺术团演出',
  '读书分享会',
  '。',
  '，',
  '；',
  '、',
  '2026年',
  '本次活动',
  '据悉',
  '会议指出',
  '会议强调',
  '与会人员',
  '认真学习',
  '积极参与',
  '取得了良好成效',
  '进一步提升',
  '切实做好',
  '扎实推进',
  '持续深化',
  '不断完善',
  '广大师生',
  '热烈欢迎',
];
const CATEGORIES = ['proofreading.typo', 'sensitive', 'personal.phone', 'secrecy.internal', 'advertising', 'similarity', 'copyright', 'proofreading.name'];

const phraseArray = `ARRAY[${PHRASES.map((p) => `'${p}'`).join(',')}]`;
const categoryArray = `ARRAY[${CATEGORIES.map((c) => `'${c}'`).join(',')}]`;

/** The tables the generator writes rows into (their plain indexes are dropped and rebuilt by the bulk load). */
const LOADED = ['drafts', 'revisions', 'findings', 'decisions', 'audit_events'];
/** Built on the second connection while the rest of the archive is generated. */
const LONG_INDEX = 'revisions_search_idx';

/** Creates the archive; returns the ids of a unit, its platform and the office, for the benchmark's own accounts. */
export async function seedArchive(client: Client, shape: ArchiveShape): Promise<SeededArchive> {
  const N = shape.drafts;
  const U = shape.units ?? 30;
  const bulk = shape.bulk ?? true;
  const k = shape.key.replace(/[^A-Za-z0-9]/g, '');
  const log = shape.log ?? (() => undefined);
  const phases: Array<[string, number]> = [];
  // md5-derived, with the version and variant nibbles of a v4 UUID so validators accept them.
  const uuid = (expr: string) => `overlay(overlay(md5('${k}' || ${expr}) placing '4' from 13) placing '8' from 17)::uuid`;
  const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const value = await fn();
    const seconds = (Date.now() - started) / 1000;
    phases.push([label, seconds]);
    log(`  ${label}: ${seconds.toFixed(1)} s`);
    return value;
  };
  const run = (label: string, text: string) => timed(label, () => client.query(text));
  const anchor = (await client.query<{ t: string }>('SELECT coalesce($1::timestamptz, now())::text AS t', [shape.anchor ?? null])).rows[0]!.t;
  // Millisecond times: what JavaScript reads back is exactly what was hashed (real chains).
  const ANCHOR = `date_trunc('milliseconds', '${anchor}'::timestamptz)`;

  await client.query("SET work_mem = '256MB'");
  await client.query("SET maintenance_work_mem = '1GB'");
  const indexes = bulk ? await plainIndexes(client) : [];
  // The maintained tables are derived from the whole draft tables below, so they must start empty of drafts; audit
  // events from before (the security chain) were already followed by the triggers and are left out by id.
  const before = (await client.query<{ drafts: boolean; events: string }>('SELECT EXISTS (SELECT 1 FROM drafts) AS drafts, coalesce(max(id), 0)::text AS events FROM audit_events')).rows[0]!;
  if (bulk && before.drafts) throw new Error('a bulk archive load needs a database without drafts');
  const NEW_EVENT = `a.id > ${Number(before.events)}`;
  if (bulk) {
    await client.query('SET session_replication_role = replica');
    await timed(`drop ${indexes.length} indexes`, async () => {
      for (const i of indexes) await client.query(`DROP INDEX "${i.name}"`);
    });
  }
  await run(
    'units, platforms, people',
    `
    INSERT INTO units (id, name, code) SELECT ${uuid("'u' || i")}, '学院${k}-' || i, 'U${k}-' || i FROM generate_series(0, ${U}) AS i;
    INSERT INTO platforms (id, name, kind, level, unit_id)
      SELECT ${uuid("'p' || i")}, CASE WHEN i % 2 = 0 THEN '公众号' ELSE '微博' END || '${k}-' || i, CASE WHEN i % 2 = 0 THEN 'wechat' ELSE 'weibo' END,
             CASE WHEN i / 2 = 0 THEN 'school' ELSE 'unit' END, ${uuid("'u' || (i / 2)")}
      FROM generate_series(0, ${2 * U + 1}) AS i;
    INSERT INTO users (id, username, display_name, staff_id, unit_id, is_staff, roles, password_hash)
      SELECT ${uuid("'e' || i")}, 'ed${k}' || i, '编辑' || i, 'E${k}' || i, ${uuid("'u' || (1 + i % " + U + ')')}, true, '{editor}', 'x' FROM generate_series(0, ${10 * U - 1}) AS i;
    INSERT INTO users (id, username, display_name, staff_id, unit_id, is_staff, roles, password_hash)
      SELECT ${uuid("'r' || s || '-' || u")}, 'rv${k}' || s || '-' || u, '审核' || s || '号' || u, 'R${k}' || s || '-' || u, ${uuid("'u' || u")}, true,
             ARRAY['reviewer' || s], 'x'
      FROM generate_series(1, ${U}) AS u, generate_series(1, 3) AS s;`,
  );
  // Drafts: 5 years, oldest first; ~6 % open in review, concentrated in the newest tenth.
  await run(
    'drafts',
    `
    INSERT INTO drafts (id, number, title, platform_id, unit_id, author_id, major, status, stage, round, version, current_revision_id,
                        ever_released, released_hash, released_at, stage_entered_at, created_at, updated_at)
    SELECT ${uuid("'d' || i")}, to_char(t.created, 'YYYY') || '-' || lpad(i::text, 7, '0'),
           p1 || p2 || p3 || '（' || i || '）', ${uuid("'p' || (2 + (i % " + 2 * U + '))')}, ${uuid("'u' || (1 + (i % " + 2 * U + ') / 2)')},
           ${uuid("'e' || (((i % " + 2 * U + ') / 2) + ' + U + ' * (i % 10))')}, h % 50 = 0, s.status, s.stage, 1, 3,
           ${uuid("'r' || i || '-' || t.revs")}, s.status IN ('released'), CASE WHEN s.status = 'released' THEN md5(i::text) END,
           CASE WHEN s.status = 'released' THEN t.created + interval '2 days' END, t.created + interval '3 hours', t.created, t.created + interval '2 days'
    FROM generate_series(1, ${N}) AS i,
         LATERAL (SELECT abs(hashint4(i)) % 1000 AS h, abs(hashint4(i + 7)) AS h2) AS hh,
         LATERAL (SELECT ${ANCHOR} - interval '5 years' * (1 - i::float8 / ${N}) AS created0, 1 + (CASE WHEN h2 % 4 < 2 THEN 1 ELSE 0 END) + (CASE WHEN h2 % 4 = 0 THEN 1 ELSE 0 END) AS revs) AS t0,
         LATERAL (SELECT date_trunc('milliseconds', t0.created0) AS created, t0.revs) AS t,
         LATERAL (SELECT (${phraseArray})[1 + abs(hashint4(i * 3)) % ${PHRASES.length}] AS p1, (${phraseArray})[1 + abs(hashint4(i * 5)) % ${PHRASES.length}] AS p2,
                         (${phraseArray})[1 + abs(hashint4(i * 11)) % ${PHRASES.length}] AS p3) AS ph,
         LATERAL (SELECT CASE
             WHEN i > ${N} * 0.9 AND h < 600 THEN 'in_review'
             WHEN i > ${N} * 0.9 AND h < 630 THEN 'checking'
             WHEN i > ${N} * 0.9 AND h < 640 THEN 'checks_failed'
             WHEN i > ${N} * 0.9 AND h < 700 THEN 'approved'
             WHEN i > ${N} * 0.9 AND h < 780 THEN 'returned'
             WHEN h < 900 THEN 'released' WHEN h < 960 THEN 'rejected' ELSE 'withdrawn' END AS status) AS s0,
         LATERAL (SELECT s0.status, CASE WHEN s0.status = 'in_review' THEN (ARRAY['first','first','first','first','second','second','second','final','final','propaganda'])[1 + h % 10] END AS stage) AS s;`,
  );
  // Revisions from the series again (not a join on drafts): the draft's fields are recomputed from i.
  await run(
    'revisions',
    `
    INSERT INTO revisions (id, draft_id, number, kind, title, body, format, origin, assets, content_hash, created_by, created_at)
    SELECT ${uuid("'r' || i || '-' || n")}, ${uuid("'d' || i")}, n, CASE WHEN n = 1 THEN 'submission' ELSE 'revision' END, d.title,
           (SELECT string_agg((${phraseArray})[1 + abs(hashint4(i * 131 + n * 17 + j)) % ${PHRASES.length}], '') FROM generate_series(1, 90) AS j),
           'markdown', '{"kind":"original"}'::jsonb, '[]'::jsonb, md5(i || '-' || n), d.author_id, d.created_at + (n - 1) * interval '1 day'
    FROM generate_series(1, ${N}) AS i
    JOIN drafts d ON d.id = ${uuid("'d' || i")},
    LATERAL generate_series(1, 1 + (CASE WHEN abs(hashint4(i + 7)) % 4 < 2 THEN 1 ELSE 0 END) + (CASE WHEN abs(hashint4(i + 7)) % 4 = 0 THEN 1 ELSE 0 END)) AS n;`,
  );

  // The revisions' token index is most of the bulk load's time: build it on its own connection meanwhile.
  const long = indexes.find((i) => i.name === LONG_INDEX);
  let longBuild: Promise<void> | null = null;
  if (long && shape.url) {
    const second = new Client({ connectionString: shape.url });
    await second.connect();
    const started = Date.now();
    longBuild = second
      .query("SET maintenance_work_mem = '1GB'")
      .then(() => second.query(long.def))
      .then(() => {
        const seconds = (Date.now() - started) / 1000;
        phases.push([`index ${LONG_INDEX} (second connection, in parallel)`, seconds]);
        log(`  index ${LONG_INDEX} (second connection, in parallel): ${seconds.toFixed(1)} s`);
      })
      .finally(() => second.end());
    // Nobody waits for it until the end; a failure must still surface there.
    longBuild.catch(() => undefined);
  }

  await run(
    'decisions',
    `
    INSERT INTO decisions (draft_id, revision_id, revision_hash, round, stage, action, actor_id, comment, created_at)
    SELECT d.id, d.current_revision_id, md5(d.id::text), 1, st.stage, 'approve', r.id, '同意', d.created_at + st.n * interval '5 hours'
    FROM drafts d
    JOIN LATERAL (VALUES (1, 'first'), (2, 'second'), (3, 'final')) AS st(n, stage)
      ON d.status IN ('released', 'approved') OR (d.status = 'in_review' AND
         ((d.stage = 'second' AND st.n = 1) OR (d.stage = 'final' AND st.n <= 2) OR d.stage = 'propaganda'))
    JOIN users r ON r.unit_id = d.unit_id AND r.roles = ARRAY['reviewer' || st.n];`,
  );
  await run(
    'findings',
    `
    INSERT INTO findings (draft_id, revision_id, check_id, category, severity, start_offset, end_offset, source, matched, rule_id, ruleset_version, message, created_at)
    SELECT d.id, d.current_revision_id, 'sensitive', (${categoryArray})[1 + abs(hashtext(d.number || f)) % ${CATEGORIES.length}],
           CASE WHEN abs(hashtext(d.number || f)) % 10 = 0 THEN 'block' WHEN abs(hashtext(d.number || f)) % 3 = 0 THEN 'review' ELSE 'info' END,
           f * 10, f * 10 + 4, '{"kind":"body","start":0,"end":4}'::jsonb, '示例', 'r' || f, 'v1', '请核实', d.created_at + interval '1 minute'
    FROM drafts d, generate_series(1, 2) AS f;`,
  );
  // One statement for the whole trail: a chain's events arrive together, as appendAuditEvents writes them.
  await run(
    'audit trail',
    `
    INSERT INTO audit_events (chain, seq, draft_id, revision_id, actor_id, actor_name, type, outcome, data, created_at, prev_hash, hash)
    SELECT 'draft-' || d.id, e.seq, d.id, d.current_revision_id, d.author_id, '编辑', e.type, 'success',
           CASE WHEN e.stage IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('stage', e.stage) END,
           d.created_at + e.seq * interval '5 hours',
           CASE WHEN e.seq = 1 THEN '${GENESIS_HASH}' ELSE md5(d.id::text || (e.seq - 1)) || md5((e.seq - 1)::text) END, md5(d.id::text || e.seq) || md5(e.seq::text)
    FROM drafts d
    JOIN LATERAL (VALUES (1, 'draft.submitted', NULL), (2, 'checks.completed', NULL), (3, 'review.approved', 'first'), (4, 'review.approved', 'second'),
                         (5, 'review.approved', 'final'), (6, 'draft.released', NULL)) AS e(seq, type, stage)
      ON e.seq <= CASE d.status WHEN 'released' THEN 6 WHEN 'approved' THEN 5 WHEN 'in_review' THEN
           CASE d.stage WHEN 'first' THEN 2 WHEN 'second' THEN 3 WHEN 'final' THEN 4 ELSE 5 END ELSE 2 END;`,
  );

  if (bulk) {
    await timed(`rebuild ${indexes.length - (longBuild ? 1 : 0)} indexes`, async () => {
      for (const i of indexes) if (!(longBuild && i.name === LONG_INDEX)) await client.query(i.def);
    });
    // What the triggers of migration 0004 would have written, row for row: their statements over the whole archive,
    // in time order (the order the triggers append rows in, so a range of hours is a few heap pages, as in production).
    await run(
      'maintained tables (chain heads, rollups)',
      `
      INSERT INTO audit_chain_heads AS h (chain, seq, hash)
        SELECT DISTINCT ON (chain) chain, seq, hash FROM audit_events a WHERE ${NEW_EVENT} ORDER BY chain, seq DESC
      ON CONFLICT (chain) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash WHERE h.seq < EXCLUDED.seq;
      INSERT INTO dashboard_status_counts AS c (status, stage, n)
        SELECT status, coalesce(stage, ''), count(*) FROM drafts GROUP BY 1, 2
      ON CONFLICT (status, stage) DO UPDATE SET n = c.n + EXCLUDED.n;
      INSERT INTO dashboard_hourly AS h (hour, kind, key, n)
        SELECT date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 'finding', category, count(*) FROM findings GROUP BY 1, 3 ORDER BY 1
      ON CONFLICT (kind, hour, key) DO UPDATE SET n = h.n + EXCLUDED.n;
      INSERT INTO dashboard_hourly AS h (hour, kind, key, n)
        SELECT date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 'decision', actor_id::text || ' ' || action, count(*) FROM decisions GROUP BY 1, 3 ORDER BY 1
      ON CONFLICT (kind, hour, key) DO UPDATE SET n = h.n + EXCLUDED.n;
      INSERT INTO dashboard_hourly AS h (hour, kind, key, n)
        SELECT date_trunc('hour', a.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 'release', d.platform_id::text, count(*)
        FROM audit_events a JOIN drafts d ON d.id = a.draft_id WHERE ${NEW_EVENT} AND a.type = 'draft.released' GROUP BY 1, 3 ORDER BY 1
      ON CONFLICT (kind, hour, key) DO UPDATE SET n = h.n + EXCLUDED.n;
      INSERT INTO dashboard_review_waits (at, stage, seconds)
        SELECT a.created_at, a.data->>'stage', extract(epoch FROM a.created_at - p.created_at)
        FROM audit_events a JOIN audit_events p ON p.chain = a.chain AND p.seq = a.seq - 1
        WHERE ${NEW_EVENT} AND a.draft_id IS NOT NULL AND a.type LIKE 'review.%' AND a.data->>'stage' IS NOT NULL ORDER BY a.created_at;`,
    );
    await client.query('SET session_replication_role = origin');
  }
  const every = shape.realChainEvery ?? 1000;
  const realChains =
    every > 0 ? (await client.query<{ chain: string }>(`SELECT 'draft-' || ${uuid("'d' || i")} AS chain FROM generate_series(${every}, ${N}, ${every}) AS i`)).rows.map((r) => r.chain) : [];
  await timed(`real hash links on ${realChains.length} chains`, () => linkRealChains(client, realChains));
  // An archive that has been in use has been vacuumed (visibility map set, hint bits written), so index-only scans
  // are what they are in production; and autovacuum does not start on the fresh tables in the middle of a measurement.
  // VACUUM of revisions would queue behind its index build: the other tables first.
  await run(
    'vacuum, analyze',
    longBuild ? 'VACUUM (ANALYZE) drafts, findings, decisions, audit_events, audit_chain_heads, dashboard_hourly, dashboard_review_waits, users, units, platforms' : 'VACUUM (ANALYZE)',
  );
  if (longBuild) {
    await timed(`wait for ${LONG_INDEX}`, () => longBuild!);
    await run('vacuum, analyze revisions', 'VACUUM (ANALYZE) revisions');
  }
  const reviewers = await client.query<{ id: string }>(`SELECT ${uuid("'r' || s || '-1'")} AS id FROM generate_series(1, 3) AS s`);
  const ids = await client.query<{ unit: string; platform: string; office: string }>(`SELECT ${uuid("'u1'")} AS unit, ${uuid("'p2'")} AS platform, ${uuid("'u0'")} AS office`);
  const row = ids.rows[0]!;
  return { unitId: row.unit, platformId: row.platform, officeId: row.office, reviewerIds: reviewers.rows.map((r) => r.id), phases, realChains };
}

/** The plain (constraint-free) indexes of the loaded tables, with the statements that recreate them. */
async function plainIndexes(client: Client): Promise<Array<{ name: string; def: string }>> {
  const r = await client.query<{ name: string; def: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
     WHERE t.relnamespace = to_regnamespace(current_schema()) AND t.relname = ANY($1)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
     ORDER BY t.relname, i.relname`,
    [LOADED],
  );
  return r.rows;
}

/**
 * Gives `chains` real hash links (as appendAuditEvents would have written them), so verifying them is the real work.
 * Rewrites events, so it runs with triggers off (superuser); the chain heads follow.
 */
export async function linkRealChains(client: Client, chains: readonly string[]): Promise<void> {
  if (chains.length === 0) return;
  const r = await client.query<{
    id: string;
    chain: string;
    seq: number;
    draft_id: string | null;
    revision_id: string | null;
    actor_id: string | null;
    actor_name: string;
    type: string;
    outcome: string;
    data: Record<string, unknown>;
    created_at: Date;
  }>(
    `SELECT id, chain, seq, draft_id, revision_id, actor_id, actor_name, type, outcome, data, created_at
     FROM audit_events WHERE chain = ANY($1) ORDER BY chain, seq`,
    [chains],
  );
  const linked: Array<{ id: string; prev: string; hash: string; at: string }> = [];
  let chain = '';
  let prev = GENESIS_HASH;
  for (const e of r.rows) {
    if (e.chain !== chain) [chain, prev] = [e.chain, GENESIS_HASH];
    const hash = auditEventHash(prev, {
      chain: e.chain,
      seq: e.seq,
      draftId: e.draft_id,
      revisionId: e.revision_id,
      actorId: e.actor_id,
      actorName: e.actor_name,
      type: e.type,
      outcome: e.outcome as never,
      data: e.data,
      createdAt: e.created_at,
    });
    linked.push({ id: e.id, prev, hash, at: e.created_at.toISOString() });
    prev = hash;
  }
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(
      `UPDATE audit_events e SET prev_hash = l.prev, hash = l.hash, created_at = l.at
       FROM jsonb_to_recordset($1::jsonb) AS l(id bigint, prev text, hash text, at timestamptz) WHERE e.id = l.id`,
      [JSON.stringify(linked)],
    );
    await client.query(`UPDATE audit_chain_heads h SET hash = e.hash FROM audit_events e WHERE h.chain = ANY($1) AND e.chain = h.chain AND e.seq = h.seq`, [chains]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
