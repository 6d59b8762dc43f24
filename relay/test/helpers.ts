import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { expect, onTestFinished } from 'vitest'
import { type AppDeps, buildApp, type Env, loadConfig } from '../src/index.js'

/** A secret long enough for ENCRYPTION_SECRET (≥ 32 characters); tests search for it in raw database bytes. */
export const TEST_SECRET = 'test-encryption-secret-0123456789abcdef'
export const OTHER_SECRET = 'another-encryption-secret-fedcba9876543210'
export const DAY_MS = 86_400_000

/** A production-mode environment that needs nothing on disk: in-memory SQLite, no logs. */
export function testEnv(overrides: Env = {}): Env {
  return { ENCRYPTION_SECRET: TEST_SECRET, DB_PATH: ':memory:', LOG_LEVEL: 'silent', ...overrides }
}

/** A hand-driven clock for token expiry and budget periods: no sleeps (rate-limit windows follow Date). */
export interface TestClock {
  now: () => number
  advance(ms: number): void
}

export function createClock(start = Date.UTC(2030, 0, 1)): TestClock {
  let at = start
  return {
    now: () => at,
    advance(ms) {
      at += ms
    },
  }
}

/**
 * Tests never use real DNS: custom-endpoint hostnames resolve to a fixed public address (never dialled by the
 * tests that rely on this default).
 */
export const publicDns: NonNullable<AppDeps['resolveHost']> = async () => [
  { address: '93.184.215.14', family: 4 },
]

/** `buildApp(loadConfig(testEnv(env)), deps)`, closed automatically when the test finishes. */
export async function buildTestApp(env: Env = {}, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = await buildApp(loadConfig(testEnv(env)), { resolveHost: publicDns, ...deps })
  onTestFinished(() => app.close())
  return app
}

/** Registers a user and returns the relay token. */
export async function registerUser(app: FastifyInstance, appId = 'test-app'): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/users', payload: { app_id: appId } })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<{ token: string }>().token
}

/** Stores `key` for `provider` under `token` and asserts it was accepted. */
export async function storeKey(
  app: FastifyInstance,
  token: string,
  provider: string,
  key: string,
  extra: Record<string, string> = {},
): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: `/keys/${provider}`,
    headers: { 'x-relay-token': token },
    payload: { key, ...extra },
  })
  expect(res.statusCode, res.body).toBe(200)
}

/**
 * Asserts the SPEC §3.1 error shape exactly: JSON `{ error: string, code: string, hint?: string }` and nothing
 * else, with the expected status and code. Returns the body for further checks.
 */
export function expectErrorShape(
  res: LightMyRequestResponse,
  status: number,
  code: string,
): { error: string; code: string; hint?: string } {
  expect(res.statusCode, res.body).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/json/)
  const body = res.json<Record<string, unknown>>()
  expect(body.code).toBe(code)
  expect(typeof body.error).toBe('string')
  expect((body.error as string).length).toBeGreaterThan(0)
  const allowed = 'hint' in body ? ['code', 'error', 'hint'] : ['code', 'error']
  expect(Object.keys(body).sort()).toEqual(allowed)
  if ('hint' in body) expect(typeof body.hint).toBe('string')
  return body as { error: string; code: string; hint?: string }
}

/** One well-formed (fake) key per provider, matching each provider's `keyFormat`. */
export const SAMPLE_KEYS = {
  openai: 'sk-proj-Abc123Def456Ghi789Jkl012',
  anthropic: 'sk-ant-api03-Abc123Def456Ghi789Jkl012',
  google: 'AIzaSyA1234567890abcdefghijklmnopqrstuv',
  groq: 'gsk_Abc123Def456Ghi789Jkl012',
  openrouter: 'sk-or-v1-Abc123Def456Ghi789Jkl012',
  mistral: 'Abc123Def456Ghi789Jkl012Mno345',
  deepseek: 'sk-Abc123Def456Ghi789Jkl012',
  xai: 'xai-Abc123Def456Ghi789Jkl012',
  together: 'tgp_v1_Abc123Def456Ghi789Jkl012',
  fireworks: 'fw_Abc123Def456Ghi789Jkl012',
  perplexity: 'pplx-Abc123Def456Ghi789Jkl012',
  cerebras: 'csk-Abc123Def456Ghi789Jkl012',
  elevenlabs: 'sk_Abc123Def456Ghi789Jkl012Mno345',
  deepgram: 'abc123def456abc123def456abc123def456abcd',
  huggingface: 'hf_Abc123Def456Ghi789Jkl012',
  'openai-compatible': 'local-Abc123Def456Ghi789Jkl012',
} as const
