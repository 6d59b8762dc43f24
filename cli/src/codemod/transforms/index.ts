import type { Transform } from '../types.js'
import { anthropicSdk } from './anthropic-sdk.js'
import { fetchProviderUrl } from './fetch-provider-url.js'
import { openaiSdk } from './openai-sdk.js'

/**
 * The steps, in order. SDK constructors first: their sinks are self-contained option objects, and rewriting them
 * before fetch calls means a file mixing both is edited from the most specific pattern to the most general.
 * `fetch-provider-url` runs last because it also rewrites URL constants' templates (`?key=`), which an earlier
 * step must never see half-edited. Steps never depend on each other's output, so `--only <id>` is safe.
 */
export const TRANSFORMS: readonly Transform[] = [openaiSdk, anthropicSdk, fetchProviderUrl]

export function findTransform(id: string): Transform | undefined {
  return TRANSFORMS.find((t) => t.id === id)
}
