/**
 * Forward-only schema migrations, applied in order at start-up. `PRAGMA user_version` records the last one
 * applied. Never edit a released migration: add the next one. Versions must increase but need not be contiguous
 * (work on parallel branches reserves numbers); the runner applies every listed version above `user_version`.
 */
export const MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        app_id TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX users_app_id ON users (app_id);

      CREATE TABLE tokens (
        hash BLOB PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX tokens_user_id ON tokens (user_id);

      CREATE TABLE keys (
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        provider TEXT NOT NULL,
        key_version TEXT NOT NULL,
        sealed BLOB NOT NULL,
        hint TEXT NOT NULL,
        base_url TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, provider)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Metadata only (SPEC §3.8): never prompts, completions or keys. No foreign key to users on purpose:
    // an erased user's rows keep the aggregate stats, and their user_id no longer resolves to anyone.
    version: 2,
    sql: `
      CREATE TABLE request_log (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        app_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT,
        status INTEGER NOT NULL,
        latency_ms INTEGER NOT NULL,
        input_tokens INTEGER,
        output_tokens INTEGER
      );
      CREATE INDEX request_log_user ON request_log (user_id, provider);
      CREATE INDEX request_log_app ON request_log (app_id, provider);
    `,
  },
  {
    // Issue 20: users bound to the app's own accounts, and scoped tokens. Existing tokens get a public id and
    // no scope (they keep working exactly as before). The mapping goes with its user (erasure means erasure).
    version: 3,
    sql: `
      ALTER TABLE tokens ADD COLUMN id TEXT;
      ALTER TABLE tokens ADD COLUMN scope TEXT;
      UPDATE tokens SET id = lower(hex(randomblob(16)));
      CREATE UNIQUE INDEX tokens_id ON tokens (id);

      CREATE TABLE external_users (
        app_id TEXT NOT NULL,
        external_user_id TEXT NOT NULL,
        user_id TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (app_id, external_user_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Spending caps the key owner sets (issue 21). A budget caps requests and/or tokens per UTC day or month, for
    // one provider or all (provider '*'). budget_usage holds one counter row per budget and period: requests
    // count when reserved, tokens are reserved from the request's estimate and corrected from the provider's
    // reported usage when the call ends. Rows go with the budget (and the budget with its user).
    version: 4,
    sql: `
      CREATE TABLE budgets (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        provider TEXT NOT NULL,
        period TEXT NOT NULL CHECK (period IN ('day', 'month')),
        max_requests INTEGER,
        max_input_tokens INTEGER,
        max_output_tokens INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX budgets_scope ON budgets (user_id, provider, period);

      CREATE TABLE budget_usage (
        budget_id TEXT NOT NULL REFERENCES budgets (id) ON DELETE CASCADE,
        period_start INTEGER NOT NULL,
        requests INTEGER NOT NULL DEFAULT 0,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (budget_id, period_start)
      ) WITHOUT ROWID;

      CREATE INDEX request_log_at ON request_log (at);
    `,
  },
  {
    // Counters of the caps an operator sets per app (APP_BUDGETS_FILE, issue 21). The budgets live in the config
    // file, not here; each user of the app has their own counters, which go with the user.
    version: 5,
    sql: `
      CREATE TABLE app_budget_usage (
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        budget_id TEXT NOT NULL,
        period_start INTEGER NOT NULL,
        requests INTEGER NOT NULL DEFAULT 0,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, budget_id, period_start)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Issue 20: a scoped token records the token that minted it (its public id), so revoking a token revokes
    // everything minted from it, transitively. Tokens from POST /users and APP_SECRET mints have no parent.
    version: 6,
    sql: `
      ALTER TABLE tokens ADD COLUMN parent_id TEXT;
      CREATE INDEX tokens_parent_id ON tokens (parent_id);
    `,
  },
]
