#!/usr/bin/env bash
# The README's curl session: one draft from submission to release, with the demo accounts.
set -euo pipefail
BASE=${BASE:-http://localhost:3000}
login() { curl -s "$BASE/api/auth/login" -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"Demo-2026!\"}" | jq -r .token; }
EDITOR=$(login editor); R1=$(login reviewer1); R2=$(login reviewer2); R3=$(login reviewer3); AUDITOR=$(login auditor)
PLATFORM=$(curl -s "$BASE/api/admin/platforms" -H "Authorization: Bearer $EDITOR" | jq -r '.items[] | select(.level=="unit") | .id')
DRAFT=$(curl -s "$BASE/api/drafts" -H "Authorization: Bearer $EDITOR" -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-001' \
  -d "{\"platformId\":\"$PLATFORM\",\"title\":\"计算机学院举办2026年秋季学术报告会\",\"body\":\"11月20日下午，计算机学院在学术报告厅举办秋季学术报告会，师生百余人参加。\",\"format\":\"markdown\"}")
echo "$DRAFT" | jq -c .
ID=$(echo "$DRAFT" | jq -r .id)
sleep 2   # the check worker runs the automated checks
curl -s "$BASE/api/drafts/$ID" -H "Authorization: Bearer $R1" | jq -c '{status, stage, version, findings: (.findings|length)}'
decide() { # token stage
  V=$(curl -s "$BASE/api/drafts/$ID" -H "Authorization: Bearer $1" | jq .version)
  curl -s "$BASE/api/drafts/$ID/decisions" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    -d "{\"stage\":\"$2\",\"action\":\"approve\",\"comment\":\"同意\",\"version\":$V}" | jq -c .
}
decide "$R1" first; decide "$R2" second; decide "$R3" final
curl -s "$BASE/api/drafts/$ID/release" -H "Authorization: Bearer $EDITOR" -H 'Content-Type: application/json' -d '{}' | jq -c .
curl -s "$BASE/api/drafts/$ID/trail/verify" -H "Authorization: Bearer $AUDITOR" | jq -c '{ok, events}'
curl -s "$BASE/api/drafts/$ID/trail?format=csv" -H "Authorization: Bearer $AUDITOR" | head -3
