import { Validator } from '@seriousme/openapi-schema-validator'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ERRORS } from '../src/index.js'
import { buildTestApp } from './helpers.js'

interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>
  components: {
    schemas: Record<string, { properties: Record<string, { enum?: string[] }> }>
    securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }>
  }
}

// Every optional route on: APP_SECRET (operator routes) and METRICS_TOKEN (GET /metrics).
const FULL_ENV = { APP_SECRET: 'app-secret-0123456789', METRICS_TOKEN: 'metrics-token-0123456789' }

async function fetchDocument(app: FastifyInstance): Promise<OpenApiDocument> {
  const res = await app.inject({ method: 'GET', url: '/openapi.json' })
  expect(res.statusCode, res.body).toBe(200)
  expect(res.headers['content-type']).toMatch(/^application\/json/)
  return res.json<OpenApiDocument>()
}

/**
 * Every (method, path) Fastify registered, read from `printRoutes()`'s radix tree: each line's indentation is
 * its depth, and a node's path is its ancestors' segments joined.
 */
function registeredRoutes(app: FastifyInstance): Set<string> {
  const routes = new Set<string>()
  const stack: string[] = []
  for (const line of app.printRoutes().split('\n')) {
    const match = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (!match) continue
    const depth = match[1]!.length / 4
    const segment = match[2] === '(empty root node)' ? '' : match[2]!
    stack.length = depth
    stack.push(segment)
    const path = stack.join('')
    for (const method of match[3]?.split(', ') ?? []) {
      // HEAD (auto-added for GET) and the CORS preflight route are answered by Fastify itself.
      if (method !== 'HEAD' && method !== 'OPTIONS') routes.add(`${method} ${path}`)
    }
  }
  return routes
}

/** `/relay/{provider}/{*}` → `/relay/:provider/*`, Fastify's spelling. */
function documentedRoutes(doc: OpenApiDocument): Set<string> {
  const routes = new Set<string>()
  for (const [path, methods] of Object.entries(doc.paths)) {
    const fastifyPath = path.replace(/\{\*\}/g, '*').replace(/\{([^}]+)\}/g, ':$1')
    for (const method of Object.keys(methods)) routes.add(`${method.toUpperCase()} ${fastifyPath}`)
  }
  return routes
}

describe('OpenAPI document', () => {
  it('validates against the OpenAPI 3.1 schema (JSON and YAML)', async () => {
    const app = await buildTestApp(FULL_ENV)
    const doc = await fetchDocument(app)
    expect(doc.openapi).toBe('3.1.0')
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)

    const yaml = await app.inject({ method: 'GET', url: '/openapi.yaml' })
    expect(yaml.statusCode).toBe(200)
    expect(yaml.headers['content-type']).toMatch(/^application\/yaml/)
    expect(parse(yaml.body)).toEqual(doc)
  })

  it('lists every route Fastify registers, and nothing else', async () => {
    const app = await buildTestApp(FULL_ENV)
    const doc = await fetchDocument(app)
    const registered = registeredRoutes(app)
    // Sanity: the tree parser found the routes that need the most care.
    expect(registered).toContain('POST /relay/:provider/*')
    expect(registered).toContain('POST /keys/:provider/rotate')
    expect(registered).toContain('GET /metrics')
    expect([...documentedRoutes(doc)].sort()).toEqual([...registered].sort())
  })

  it('has an ErrorBody whose code enum is the whole catalogue', async () => {
    const doc = await fetchDocument(await buildTestApp(FULL_ENV))
    const errorBody = doc.components.schemas.ErrorBody!
    expect([...(errorBody.properties.code!.enum ?? [])].sort()).toEqual(Object.keys(ERRORS).sort())
    // Every code is named where it can happen: a route's responses, or the document's description (404/405).
    const text = JSON.stringify(doc)
    for (const code of Object.keys(ERRORS)) expect(text, code).toContain(`\`${code}\``)
  })

  it('declares every way a token or secret is sent', async () => {
    const doc = await fetchDocument(await buildTestApp(FULL_ENV))
    const schemes = Object.values(doc.components.securitySchemes)
    const headers = schemes.filter((s) => s.in === 'header').map((s) => s.name)
    expect(headers.sort()).toEqual(['x-api-key', 'x-goog-api-key', 'x-relay-token'])
    expect(schemes.filter((s) => s.scheme === 'bearer').length).toBeGreaterThanOrEqual(3)
    expect(doc.paths['/relay/{provider}/{*}']!.post!.security).toHaveLength(4)
    expect(doc.paths['/keys']!.get!.security).toEqual([{ relayToken: [] }])
  })

  it('never lets key material into the key list', async () => {
    const doc = await fetchDocument(await buildTestApp(FULL_ENV))
    const ok = doc.paths['/keys']!.get!.responses['200'] as {
      content: Record<string, { schema: { properties: { keys: { items: Record<string, unknown> } } } }>
    }
    const item = ok.content['application/json']!.schema.properties.keys.items
    expect(item.additionalProperties).toBe(false)
    expect(Object.keys(item.properties as object).sort()).toEqual([
      'base_url',
      'created_at',
      'hint',
      'provider',
      'updated_at',
    ])
  })

  it('documents relay routes without serialising their bodies', async () => {
    const doc = await fetchDocument(await buildTestApp(FULL_ENV))
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.startsWith('/relay')) continue
      for (const operation of Object.values(methods)) {
        for (const response of Object.values(operation.responses) as {
          content?: Record<string, { schema: Record<string, unknown> }>
        }[]) {
          for (const media of Object.values(response.content ?? {})) {
            expect(Object.keys(media.schema)).toEqual(['description'])
          }
        }
      }
    }
  })

  it('is served on every request without being rebuilt', async () => {
    const app = await buildTestApp()
    const first = await app.inject({ method: 'GET', url: '/openapi.json' })
    const second = await app.inject({ method: 'GET', url: '/openapi.json' })
    expect(second.body).toBe(first.body)
  })
})
