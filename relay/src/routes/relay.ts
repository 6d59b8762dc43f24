import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { RelayError } from '../errors.js'
import { callerOf, checkCallerOrigin, relayCredential } from '../plugins/auth.js'
import { type ProviderSpec, resolveProvider } from '../providers/index.js'
import { INVALID, parseJsonBody, planChatCall } from '../proxy/chat-route.js'
import { resolveDestination } from '../proxy/custom-endpoint.js'
import { forwardCall } from '../proxy/forward.js'
import { stripCredentialParams } from '../proxy/headers.js'
import { isJsonText } from '../proxy/json-check.js'
import {
  createModelPolicy,
  extractModel,
  modelFromPath,
  sanitizeModelName,
  sniffModel,
} from '../proxy/models.js'
import { isAllowedRoute, normalizePath } from '../proxy/path.js'
import { createUpstreamCall } from '../proxy/upstream.js'
import type { Caller } from '../services/accounts.js'
import { checkScopeModel, checkScopeProvider } from '../services/token-scope.js'
import type { RouteContext } from './context.js'
import { describedErrors, RELAY_SECURITY, TOKEN_ERRORS } from './schemas.js'

interface RelayTarget {
  provider: ProviderSpec
  /** Decoded, checked path (allowlist, model lookup). */
  path: string
  /** Canonically encoded path plus the query without credential parameters (forwarded). */
  pathAndQuery: string
  caller: Caller
}

declare module 'fastify' {
  interface FastifyRequest {
    relayTarget: RelayTarget | null
    /** The body as parsed by `POST /relay`, so the model check does not parse it again. */
    relayJson: unknown
  }
}

// Provider bodies stream through untouched: responses are described, never serialised through a schema.
const RELAY_ERRORS = [
  ...TOKEN_ERRORS,
  'validation_error',
  'provider_unknown',
  'key_missing',
  'key_unreadable',
  'base_url_rejected',
  'path_forbidden',
  'model_forbidden',
  'token_scope_provider',
  'token_scope_model',
  'body_too_large',
  'rate_limited',
  'budget_exceeded',
  'token_cap_exceeded',
  'upstream_unreachable',
  'upstream_timeout',
] as const

const relayHeaders = {
  type: 'object',
  properties: {
    'x-relay-base-url': {
      type: 'string',
      description: 'openai-compatible only: the endpoint, bound to the key on first use',
    },
  },
} as const

/**
 * Relay request schemas are documentation only: bodies arrive as raw bytes (forwarded byte-for-byte) and the
 * handlers check what they need themselves, so validation would only cost time on the hot path.
 */
const documentOnly = () => () => true

function splitUrl(url: string): { path: string; search: string } {
  const q = url.indexOf('?')
  return q < 0 ? { path: url, search: '' } : { path: url.slice(0, q), search: url.slice(q) }
}

/** `POST /relay/:provider/*` (and the other methods, so that non-inference paths get their 403) and `POST /relay`. */
export async function registerRelayRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const allowModel = createModelPolicy(ctx.config.proxy.allowedModels)
  const checkModels = ctx.config.proxy.allowedModels.length > 0

  app.decorateRequest('relayTarget', null)
  app.decorateRequest('relayJson', undefined)
  // Bodies are forwarded byte-for-byte, whatever their type (JSON, multipart audio, …).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  // A body that says it is JSON must be JSON: refused here, before anything reaches the provider. Checked by a
  // scan that allocates nothing; the value is parsed only where it is needed (ALLOWED_MODELS, POST /relay).
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const buffer = body as Buffer
    if (buffer.length > 0 && !isJsonText(buffer)) {
      return done(new RelayError('validation_error', { message: 'Request body is not valid JSON' }))
    }
    done(null, buffer)
  })

  const spendIpQuota = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.headers(await ctx.limiters.global.consume(request))
  }

  /**
   * A refusal for the token (unknown, expired, or outside its scope) spends the caller's IP quota before it is
   * thrown; the quota store may be Redis, so spending it is asynchronous.
   */
  async function countedTokenCheck(
    request: FastifyRequest,
    reply: FastifyReply,
    check: () => void,
  ): Promise<void> {
    try {
      check()
    } catch (error) {
      await spendIpQuota(request, reply)
      throw error
    }
  }

  async function authenticateCounted(request: FastifyRequest, reply: FastifyReply): Promise<Caller> {
    try {
      const caller = await ctx.accounts.authenticate(relayCredential(request))
      checkCallerOrigin(caller, request)
      return caller
    } catch (error) {
      await spendIpQuota(request, reply)
      throw error
    }
  }

  /** Everything that needs no body runs before the body is read: auth, provider, path allowlist. */
  async function resolveTarget(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const caller = await authenticateCounted(request, reply)
    const { provider: providerId } = request.params as { provider: string }
    let provider: ProviderSpec
    try {
      provider = resolveProvider(providerId)
    } catch (error) {
      await spendIpQuota(request, reply)
      throw error
    }
    await countedTokenCheck(request, reply, () => checkScopeProvider(caller.scope, provider.id))
    const { path: rawPath, search } = splitUrl(request.url)
    // Everything after /relay/<provider segment as sent>, still percent-encoded.
    const afterProvider = rawPath.slice(rawPath.indexOf('/', '/relay/'.length))
    const { path, encoded } = normalizePath(afterProvider)
    if (!isAllowedRoute(provider, request.method, path)) {
      throw new RelayError('path_forbidden', {
        message: `${request.method} ${path} is not an inference path the relay forwards for ${provider.name}`,
        hint: 'GET /models lists the forwarded paths.',
      })
    }
    request.relayTarget = { provider, path, pathAndQuery: encoded + stripCredentialParams(search), caller }
  }

  async function relay(
    request: FastifyRequest,
    reply: FastifyReply,
    body: Buffer | undefined,
  ): Promise<FastifyReply> {
    const target = request.relayTarget!
    const { provider, caller } = target
    const contentType = request.headers['content-type']
    // Reading the body is only needed to enforce ALLOWED_MODELS or a token's models; the log takes the model
    // from the response.
    const scopedModels = caller.scope?.models != null
    const requestedModel =
      checkModels || scopedModels
        ? extractModel(target.path, contentType, body, request.relayJson)
        : modelFromPath(target.path)
    if (checkModels && (requestedModel === null || !allowModel(provider.id, requestedModel))) {
      throw new RelayError('model_forbidden', {
        message:
          requestedModel === null
            ? 'This relay only allows listed models, and the request names none'
            : `Model "${requestedModel.slice(0, 100)}" is not allowed on this relay`,
        hint: 'GET /models lists the allowed models.',
      })
    }
    await countedTokenCheck(request, reply, () => checkScopeModel(caller.scope, provider.id, requestedModel))
    // Quota is spent only by calls that passed every check above (SPEC §3.4), or were refused for their token.
    await spendIpQuota(request, reply)
    reply.headers(await ctx.limiters.relay.consume(request))

    const stored = await ctx.vault.read(caller.userId, provider.id)
    const requestedUrl = request.headers['x-relay-base-url'] as string | undefined
    const destination = await resolveDestination(ctx, provider, stored.baseUrl, requestedUrl)
    if (destination.bind) await ctx.vault.bind(caller.userId, provider.id, destination.baseUrl)

    // Budgets (issue 21) and token caps: one cached lookup when neither the user nor the operator set one and the
    // token has no cap. Reserved last, so a call refused by any check above has counted against nothing; from here
    // on, the settlement below runs exactly once.
    const reservation = ctx.budgets.noneApply(caller)
      ? null
      : await ctx.budgets.reserve(caller, provider.id, body, request.relayJson)
    const call = createUpstreamCall(request, target, destination, stored.key, body)
    const startedAt = performance.now()
    ctx.metrics?.streamOpened()
    return forwardCall(reply, call, ({ status, usage }) => {
      const latencyMs = performance.now() - startedAt
      ctx.metrics?.streamClosed(provider.id, latencyMs)
      if (reservation) {
        ctx.budgets
          .settle(reservation, { status, usage })
          .catch((err: unknown) => request.log.error({ err }, 'budget settlement failed'))
      }
      ctx.store
        .logRequest({
          at: Date.now(),
          userId: caller.userId,
          appId: caller.appId,
          provider: provider.id,
          // Failed calls have no response to name the model; a cheap look at the request body does.
          model: sanitizeModelName(usage.model ?? requestedModel ?? (body ? sniffModel(body) : null)),
          status,
          latencyMs: Math.round(latencyMs),
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
        })
        .catch((err: unknown) => request.log.error({ err }, 'request log write failed'))
    })
  }

  app.route<{ Params: { provider: string; '*': string }; Body: Buffer | undefined }>({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/relay/:provider/*',
    schema: {
      summary: "Forward an inference call to the provider with the user's stored key",
      description:
        'Only inference paths are forwarded (GET /models lists them); any body is forwarded byte-for-byte and ' +
        'the response (JSON, SSE, audio) streams back as the provider sent it. A body sent as ' +
        '`application/json` that is not valid JSON is refused (`validation_error`) before the provider sees it.',
      tags: ['relay'],
      security: RELAY_SECURITY,
      headers: relayHeaders,
      response: {
        200: { description: "The provider's response, streamed as-is (status, content type and body)" },
        ...describedErrors(...RELAY_ERRORS),
      },
    },
    validatorCompiler: documentOnly,
    onRequest: resolveTarget,
    handler: (request, reply) => relay(request, reply, request.body),
  })

  app.post<{ Body: Buffer | undefined }>(
    '/relay',
    {
      schema: {
        summary: 'Route a chat call by its `model` field ("anthropic/claude-…" or a known bare name)',
        description:
          'A Gemini-native body (`contents`, no `messages`) goes to `/v1beta/models/<model>:generateContent`, or ' +
          '`:streamGenerateContent?alt=sse` with `stream: true`; any other body to the provider’s ' +
          'OpenAI-compatible chat path. `"openai/"` (a prefix and no model) is a `validation_error`. ' +
          'GET /models lists the prefixes and the patterns bare names are routed by.',
        tags: ['relay'],
        security: RELAY_SECURITY,
        headers: relayHeaders,
        body: {
          type: 'object',
          required: ['model'],
          properties: { model: { type: 'string', minLength: 1 } },
          additionalProperties: true,
        },
        response: {
          200: { description: "The provider's chat response, streamed as-is" },
          ...describedErrors(...RELAY_ERRORS),
        },
      },
      validatorCompiler: documentOnly,
      onRequest: async (request, reply) => {
        request.caller = await authenticateCounted(request, reply)
      },
    },
    async (request, reply) => {
      const caller = callerOf(request)
      // Without a content type the body is still read as JSON (byok-relay clients send it that way).
      const parsed = request.body ? parseJsonBody(request.body) : INVALID
      if (parsed === INVALID) {
        throw new RelayError('validation_error', { message: 'Request body is not valid JSON' })
      }
      const plan = planChatCall(parsed, request.body!)
      await countedTokenCheck(request, reply, () => checkScopeProvider(caller.scope, plan.provider.id))
      request.relayTarget = {
        provider: plan.provider,
        path: plan.path,
        pathAndQuery: plan.pathAndQuery,
        caller,
      }
      request.relayJson = plan.json
      if (!request.headers['content-type']) request.headers['content-type'] = 'application/json'
      return relay(request, reply, plan.body)
    },
  )
}
