import type { FastifyInstance } from 'fastify'
import FindMyWay from 'find-my-way'
import { RelayError } from '../errors.js'
import { sendError } from './error-handler.js'

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

/**
 * 404 `not_found` for unknown routes, and 405 `method_not_allowed` (with `Allow`) when the path exists under
 * another method. Fastify answers both with a plain 404, so a shadow router learns every route as it is added.
 */
export function registerNotFound(app: FastifyInstance): void {
  const known = FindMyWay({ ignoreTrailingSlash: false })
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if ((METHODS as readonly string[]).includes(method))
        known.on(method as (typeof METHODS)[number], route.url, () => {})
    }
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/'
    const allowed = METHODS.filter((m) => known.find(m, path) !== null)
    if (allowed.length > 0) {
      return sendError(
        reply,
        new RelayError('method_not_allowed', {
          message: `${request.method} is not allowed on ${path}`,
          hint: `Use ${allowed.join(' or ')}.`,
          headers: { allow: allowed.join(', ') },
        }),
      )
    }
    return sendError(
      reply,
      new RelayError('not_found', { message: `No route for ${request.method} ${path}` }),
    )
  })
}
