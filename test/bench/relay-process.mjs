// The relay under test, in its own process as an operator runs it: compiled JS (no TypeScript loader),
// production mode, a SQLite file.
import { loadConfig, startRelay } from '../../relay/dist/index.js'

const [upstreamPort, dbPath] = [process.argv[2], process.argv[3]]
const config = loadConfig(
  {
    ENCRYPTION_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    DB_PATH: dbPath,
    HOST: '127.0.0.1',
    PORT: '0',
    OPENAI_BASE_URL: `http://127.0.0.1:${upstreamPort}`,
    // Limits off: the bench measures throughput, not the limiter's refusal speed.
    RATE_LIMIT_GLOBAL_PER_MIN: '0',
    RATE_LIMIT_RELAY_PER_MIN: '0',
    RATE_LIMIT_REGISTER_PER_HOUR: '0',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  },
  { mode: 'production' },
)
const relay = await startRelay(config)
process.send?.({ port: Number(new URL(relay.url).port) })
process.on('SIGTERM', () => void relay.close(1000).then(() => process.exit(0)))
