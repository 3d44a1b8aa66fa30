#!/usr/bin/env node
/**
 * `npm run lock:fix` — run after any `npm install` that changes dependencies.
 *
 * The npm registry reachable from our machines serves only the Linux builds of packages that ship per-platform
 * binaries as optional dependencies (@swc/core-darwin-arm64 and the like answer 404). npm then leaves those
 * entries out of package-lock.json, and `npm ci` refuses the lock as "out of sync". This adds the missing entries
 * with the os/cpu their names declare, so `npm ci` works here (they are skipped on Linux) and elsewhere (a full
 * registry serves them by name and version).
 */
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const OSES = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony'];
const CPUS = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32'];

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const entry = {};
  const os = parts.find((p) => OSES.includes(p));
  const cpu = parts.find((p) => CPUS.includes(p));
  if (os) entry.os = [os];
  if (cpu) entry.cpu = [cpu];
  if (os === 'linux' && parts.some((p) => p.startsWith('musl'))) entry.libc = ['musl'];
  else if (os === 'linux' && parts.some((p) => p.startsWith('gnu'))) entry.libc = ['glibc'];
  // Nothing recognisable (e.g. a wasm fallback): never install it from a placeholder.
  if (!os && !cpu) entry.os = ['none'];
  return entry;
}

let added = 0;
for (const [location, pkg] of Object.entries(lock.packages)) {
  for (const [name, spec] of Object.entries(pkg.optionalDependencies || {})) {
    const nested = `${location ? `${location}/` : ''}node_modules/${name}`;
    if (lock.packages[nested] || lock.packages[`node_modules/${name}`]) continue;
    lock.packages[`node_modules/${name}`] = { version: String(spec).replace(/^[\^~=]/, ''), optional: true, ...platformOf(name) };
    added++;
  }
}
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} optional platform entries added`);
