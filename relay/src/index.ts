export { type AppDeps, buildApp, type RelayRoutes } from './app.js'
export { type Env, type LogLevel, loadConfig, type RelayConfig, type RelayMode } from './config.js'
export { ConfigError, ERRORS, type ErrorBody, type ErrorCode, RelayError } from './errors.js'
export type { LogSink } from './logger.js'
// For routes mounted through `AppDeps.mcpRoutes`: the relay's one rule for reading a bearer credential.
export { bearerCredential } from './plugins/auth.js'
// For `byok usage`: the operator's per-app summary prices tokens with the same table as GET /usage.
export { estimateCostUsd, PRICES_AS_OF } from './pricing.js'
export {
  baseUrlVariable,
  type ChatWire,
  findProvider,
  PROVIDER_IDS,
  type ProviderId,
  type ProviderSpec,
} from './providers/index.js'
// For routes mounted through `AppDeps.mcpRoutes`, so they document their errors like the relay's own routes.
export { errorResponses, TOKEN_ERRORS } from './routes/schemas.js'
export { type RunningRelay, startRelay, withEnvFile } from './server.js'
export { type CopiedTable, copySqliteToPostgres } from './store/copy-to-postgres.js'
export { SchemaTooNewError } from './store/migrations.js'
export { openPostgresStore } from './store/postgres.js'
export { describePostgresUrl, StoreUnavailableError } from './store/postgres-connect.js'
export { openSqliteStore } from './store/sqlite.js'
export type {
  BudgetRecord,
  DailyUsageRow,
  KeyRecord,
  Store,
  TokenRecord,
  UserRecord,
} from './store/types.js'
export { RELAY_VERSION } from './version.js'
