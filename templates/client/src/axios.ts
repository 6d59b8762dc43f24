import type { AxiosAdapterConfig, AxiosAdapterResponse } from './types.js'

/** axios 0.x hands adapters a plain header object, 1.x an AxiosHeaders instance. */
function axiosHeaders(headers: unknown): Headers {
  const plain = (
    headers && typeof (headers as { toJSON?: unknown }).toJSON === 'function'
      ? (headers as { toJSON(): unknown }).toJSON()
      : (headers ?? {})
  ) as Record<string, unknown>
  const result = new Headers()
  for (const [name, value] of Object.entries(plain)) {
    if (value !== undefined && value !== null && value !== false) result.set(name, String(value))
  }
  return result
}

/** An axios adapter (axios 0.x and 1.x) that sends each request through `send` (the client's own fetch). */
export function createAxiosAdapter(send: typeof fetch) {
  return async <C extends AxiosAdapterConfig>(config: C): Promise<AxiosAdapterResponse<C>> => {
    const base = config.baseURL && !/^[a-z][a-z0-9+.-]*:/i.test(config.url ?? '') ? config.baseURL : ''
    const url = new URL(
      `${base.replace(/\/+$/, '')}${base && config.url && !config.url.startsWith('/') ? '/' : ''}${config.url ?? ''}`,
      globalThis.location?.href,
    )
    for (const [name, value] of Object.entries(config.params ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.append(name, String(value))
    }
    const method = (config.method ?? 'get').toUpperCase()
    const response = await send(url.href, {
      method,
      headers: axiosHeaders(config.headers),
      body: /^(GET|HEAD)$/.test(method) ? null : ((config.data ?? null) as BodyInit | null),
      signal: (config.signal ?? null) as AbortSignal | null,
    })
    const data =
      config.responseType === 'arraybuffer'
        ? await response.arrayBuffer()
        : config.responseType === 'blob'
          ? await response.blob()
          : config.responseType === 'stream'
            ? response.body
            : await response.text()
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      headers[name] = value
    })
    const result = {
      data,
      status: response.status,
      statusText: response.statusText,
      headers,
      config,
      request: {},
    }
    // axios settles inside its adapters: a status validateStatus refuses rejects with the response attached.
    if (config.validateStatus && !config.validateStatus(response.status)) {
      throw Object.assign(new Error(`Request failed with status code ${response.status}`), {
        isAxiosError: true,
        code: response.status < 500 ? 'ERR_BAD_REQUEST' : 'ERR_BAD_RESPONSE',
        config,
        response: result,
      })
    }
    return result
  }
}
