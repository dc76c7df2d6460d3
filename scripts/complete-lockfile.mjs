// Completes package-lock.json with the other platforms' optional native packages (biome,
// rollup) that this machine's registry does not serve. npm records them in every normal
// lockfile; without them `npm ci` refuses the lockfile as out of sync. Each entry carries the
// os/cpu/libc that npm reads to skip it on a non-matching machine, so nothing is downloaded.
// Run after `npm install` changes the lockfile: `node scripts/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from 'node:fs'

const path = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(path, 'utf8'))
const CPU = { 'arm-eabi': 'arm', 'arm-gnueabihf': 'arm', 'arm-musleabihf': 'arm' }

function platformOf(name) {
  // @rollup/rollup-linux-arm64-musl, @biomejs/cli-win32-x64 ...
  const parts = name.split('/')[1].split('-').slice(1)
  const os = parts[0]
  const rest = parts.slice(1).join('-')
  const cpuKey = Object.keys(CPU).find((k) => rest.startsWith(k))
  const cpu = cpuKey ? CPU[cpuKey] : rest.split('-')[0]
  const libc = /musl/.test(rest)
    ? ['musl']
    : os === 'linux' && /gnu/.test(rest)
      ? ['glibc']
      : undefined
  return { os, cpu, libc }
}

let added = 0
for (const entry of Object.values(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    if (!/^@(rollup\/rollup|biomejs\/cli)-/.test(dep)) continue
    const at = `node_modules/${dep}`
    if (lock.packages[at] !== undefined) continue
    const { os, cpu, libc } = platformOf(dep)
    lock.packages[at] = {
      version,
      cpu: [cpu],
      dev: entry.dev === true ? true : undefined,
      license: entry.license,
      optional: true,
      os: [os],
      ...(libc ? { libc } : {}),
      engines: entry.engines,
    }
    added++
  }
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === '' ? -1 : b === '' ? 1 : a.localeCompare(b),
  ),
)
lock.packages = sorted
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`complete-lockfile: added ${added} optional platform entries`)
