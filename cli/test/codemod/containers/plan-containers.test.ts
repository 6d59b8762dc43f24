import { cpSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { withTempDir, writeFiles } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'
import { scanContainer } from '../../../src/codemod/containers/index.js'
import { applyIntegration, planIntegration } from '../../../src/codemod/run.js'
import { fixturesDir, stubTemplatesDir } from '../helpers.js'

const templatesDir = stubTemplatesDir()

function copyFixture(name: string, dir: string): void {
  cpSync(fixturesDir('fixtures', name), dir, { recursive: true })
}

function read(dir: string, path: string): string {
  return readFileSync(join(dir, path), 'utf8')
}

/** The container with every script block's content cut out: what must stay byte-identical. */
function outsideBlocks(path: string, text: string): string[] {
  const parts: string[] = []
  let from = 0
  for (const block of scanContainer(path, text).blocks) {
    parts.push(text.slice(from, block.start))
    from = block.end
  }
  parts.push(text.slice(from))
  return parts
}

/** Plans and applies, then checks the idempotence property: a second plan writes nothing. */
function integrateTwice(dir: string) {
  const plan = planIntegration(dir, { templatesDir })
  applyIntegration(plan)
  const again = planIntegration(dir, { templatesDir })
  expect(again.writes.map((w) => w.path)).toEqual([])
  return plan
}

describe('containers: .vue', () => {
  it('rewrites <script setup lang="ts"> and an Options-API <script>, with container line numbers', () =>
    withTempDir(async (dir) => {
      copyFixture('vue-sfc-openai', dir)
      const before = {
        chat: read(dir, 'src/components/Chat.vue'),
        legacy: read(dir, 'src/components/Legacy.vue'),
        plain: read(dir, 'src/components/Plain.vue'),
      }
      const plan = integrateTwice(dir)
      expect(plan.framework).toBe('vite')
      expect(plan.files.filter((f) => f.path.endsWith('.vue')).map((f) => [f.path, f.status])).toEqual([
        ['src/components/Chat.vue', 'modified'],
        ['src/components/Legacy.vue', 'modified'],
        ['src/components/Plain.vue', 'unchanged'],
      ])
      expect(plan.found.map((f) => `${f.file}:${f.line} ${f.provider} ${f.kind}`)).toEqual([
        'src/components/Chat.vue:11 openai sdk',
        'src/components/Legacy.vue:5 openai fetch',
      ])
      expect(plan.leakedEnvKeys).toEqual([{ file: '.env', variable: 'VITE_OPENAI_API_KEY' }])
      expect(JSON.stringify(plan.files)).not.toContain('sk-test-fixture')

      const chat = read(dir, 'src/components/Chat.vue')
      expect(chat).toBe(`<template>
  <!-- <script> in a comment is not a block -->
  <p>{{ answer }}</p>
</template>

<script setup lang="ts">
import { ref } from 'vue'
import OpenAI from 'openai'
import { byok } from '../lib/byok-instance'

const answer = ref('')
const openai = new OpenAI({
  apiKey: 'byok-relay',
  baseURL: byok.baseUrl('openai') + '/v1',
  fetch: byok.fetch,
  dangerouslyAllowBrowser: true,
})
</script>

<style scoped>
p { white-space: pre-wrap; }
</style>
`)
      const legacy = read(dir, 'src/components/Legacy.vue')
      // The import lands inside the block, on its first code line, in the file's quote style.
      expect(
        legacy.startsWith('<script>\nimport { byok } from "../lib/byok-instance"\nexport default {'),
      ).toBe(true)
      expect(legacy).toContain(
        'await byok.fetch(byok.relayUrlFor("https://api.openai.com/v1/chat/completions"), {',
      )
      expect(legacy).not.toContain('VITE_OPENAI_API_KEY')
      expect(outsideBlocks('Legacy.vue', legacy)).toEqual(outsideBlocks('Legacy.vue', before.legacy))
      expect(outsideBlocks('Chat.vue', chat)).toEqual(outsideBlocks('Chat.vue', before.chat))
      // Must not touch: a Bearer token to the app's own backend.
      expect(read(dir, 'src/components/Plain.vue')).toBe(before.plain)
      expect(read(dir, 'src/lib/byok-instance.ts')).toContain('.env.VITE_BYOK_RELAY_URL')
    }))

  it('imports once: into <script> when it changed (setup sees its imports), else into <script setup>', () =>
    withTempDir(async (dir) => {
      const call = (url: string, auth: string) =>
        `fetch(${url}, { headers: { ${auth}'Content-Type': 'application/json' } })`
      const direct = call(
        "'https://api.openai.com/v1/models'",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: source code under test
        'Authorization: `Bearer ${import.meta.env.VITE_OPENAI_API_KEY}`, ',
      )
      const relayed = call("byok.relayUrlFor('https://api.openai.com/v1/models')", '').replace(
        'fetch',
        'byok.fetch',
      )
      writeFiles(dir, {
        'package.json': '{"name":"two-blocks","devDependencies":{"vite":"6"}}',
        'src/Both.vue': `<script>\nexport const list = () => ${direct}\n</script>\n<script setup>\nconst models = await ${direct}\n</script>\n`,
        'src/SetupOnly.vue': `<script>\nexport default { name: 'SetupOnly' }\n</script>\n<script setup>\nconst models = await ${direct}\n</script>\n`,
      })
      integrateTwice(dir)
      expect(read(dir, 'src/Both.vue')).toBe(
        `<script>\nimport { byok } from './lib/byok-instance'\nexport const list = () => ${relayed}\n</script>\n<script setup>\nconst models = await ${relayed}\n</script>\n`,
      )
      const setupOnly = read(dir, 'src/SetupOnly.vue')
      expect(setupOnly).toContain("<script setup>\nimport { byok } from './lib/byok-instance'\nconst models")
      expect(setupOnly.match(/import \{ byok \}/g)).toHaveLength(1)
    }))
})

describe('containers: .svelte', () => {
  it('keeps what only the markup reads (a `$store` binding) while removing what nothing reads any more', () =>
    withTempDir(async (dir) => {
      writeFiles(dir, {
        'package.json': JSON.stringify({
          name: 'svelte-store',
          devDependencies: { vite: '^7.0.0', svelte: '^5.0.0' },
        }),
        'src/lib/settings.ts':
          "import { writable } from 'svelte/store'\nexport const apiKey = writable('')\n",
        'src/lib/Chat.svelte': [
          '<script lang="ts">',
          "  import { get } from 'svelte/store'",
          "  import { apiKey } from './settings'",
          '  let answer = $state(0)',
          '  async function send() {',
          "    const res = await fetch('https://api.anthropic.com/v1/messages', {",
          "      method: 'POST',",
          "      headers: { 'x-api-key': get(apiKey), 'anthropic-version': '2023-06-01' },",
          "      body: '{}',",
          '    })',
          '    answer = res.status',
          '  }',
          '</script>',
          '',
          '<input type="password" bind:value={$apiKey} />',
          '<button onclick={send}>Send</button> {answer}',
          '',
        ].join('\n'),
      })
      integrateTwice(dir)
      const after = read(dir, 'src/lib/Chat.svelte')
      expect(after).toContain("import { apiKey } from './settings'")
      expect(after, 'get() was read only by the rewritten header').not.toContain("from 'svelte/store'")
      expect(after).not.toContain('x-api-key')
      expect(after).toContain('bind:value={$apiKey}')
    }))

  it('rewrites the module script (import indented like the code) and skips a block it cannot parse', () =>
    withTempDir(async (dir) => {
      copyFixture('svelte-module-script', dir)
      const before = read(dir, 'src/lib/Ask.svelte')
      const plan = integrateTwice(dir)
      expect(plan.files.map((f) => [f.path, f.status, f.reason])).toEqual(
        expect.arrayContaining([
          ['src/lib/Ask.svelte', 'modified', undefined],
          [
            'src/lib/Coffee.svelte',
            'skipped',
            'line 1: <script lang="coffee"> is not JavaScript or TypeScript',
          ],
        ]),
      )
      expect(plan.found).toEqual([
        {
          file: 'src/lib/Ask.svelte',
          line: 5,
          kind: 'fetch',
          provider: 'anthropic',
          keySources: ['env VITE_ANTHROPIC_API_KEY'],
        },
      ])
      const after = read(dir, 'src/lib/Ask.svelte')
      expect(after.split('\n').slice(0, 3)).toEqual([
        '<script context="module" lang="ts">',
        "  import { byok } from './byok-instance'",
        "  const URL = 'https://api.anthropic.com/v1/messages'",
      ])
      expect(after).toContain('await byok.fetch(byok.relayUrlFor(URL), {')
      expect(after).not.toContain('x-api-key')
      expect(after).not.toContain('anthropic-dangerous-direct-browser-access')
      // The instance script and the markup are untouched.
      expect(after.slice(after.indexOf('<script lang="ts">'))).toBe(
        before.slice(before.indexOf('<script lang="ts">')),
      )
      expect(outsideBlocks('Ask.svelte', after)).toEqual(outsideBlocks('Ask.svelte', before))
    }))
})

describe('containers: .html', () => {
  it('static site: the module script imports the instance, the classic one calls the classic client', () =>
    withTempDir(async (dir) => {
      copyFixture('html-inline-scripts', dir)
      const before = read(dir, 'index.html')
      const plan = integrateTwice(dir)
      expect(plan.framework).toBe('static')
      expect(plan.files.map((f) => [f.path, f.status])).toEqual([
        ['index.html', 'modified'],
        ['lib/vendor/byok.js', 'modified'],
        ['lib/byok-instance.js', 'modified'],
        ['lib/vendor/byok.global.js', 'modified'],
        ['lib/byok-instance.global.js', 'modified'],
      ])
      expect(plan.found.map((f) => `${f.file}:${f.line}`)).toEqual(['index.html:13', 'index.html:23'])
      expect(plan.manual).toEqual([])
      const after = read(dir, 'index.html')
      expect(after).toContain(
        "      import { marked } from 'marked'\n      import { byok } from './lib/byok-instance.js'\n",
      )
      expect(after).not.toContain("localStorage.getItem('openai_key')")
      // The classic script gets no import (it would be a syntax error there): the classic client's tags go in
      // front of it, and it calls the global `byok` they define.
      expect(after).toContain(
        '    <script src="./lib/vendor/byok.global.js"></script>\n    <script src="./lib/byok-instance.global.js"></script>\n    <script>\n      function legacy(prompt) {\n        return byok.fetch(byok.relayUrlFor(\'https://api.openai.com/v1/chat/completions\'), {',
      )
      expect(after).not.toContain('window.OPENAI_API_KEY')
      // Everything before the module script's content is byte-identical: textarea, importmap.
      const blocks = scanContainer('index.html', before).blocks
      const moduleBlock = blocks.find((b) => b.module)!
      expect(after.slice(0, moduleBlock.start)).toBe(before.slice(0, moduleBlock.start))
      // No bundler and no env: the vendored JavaScript build, imported with its extension, and no .env.example.
      expect(read(dir, 'lib/byok-instance.js')).toContain("from './vendor/byok.js'")
      expect(read(dir, 'lib/byok-instance.js')).toContain('const relayUrl = globalThis.BYOK_RELAY_URL')
      expect(read(dir, 'lib/vendor/byok.js')).toBe('// stub byok.js\n')
      expect(read(dir, 'lib/byok-instance.global.js')).toContain('var byok = byokClient.createByok({')
      expect(existsSync(join(dir, '.env.example'))).toBe(false)
    }))

  it('Vite app: a page in public/ is served as is, so its module script is reported, not rewritten', () =>
    withTempDir(async (dir) => {
      const page =
        // biome-ignore lint/suspicious/noTemplateCurlyInString: source code under test
        '<script type="module">\n  const res = await fetch(\'https://api.openai.com/v1/models\', { headers: { Authorization: `Bearer ${window.KEY}` } })\n</script>\n'
      writeFiles(dir, {
        'package.json': '{"name":"vite-app","devDependencies":{"vite":"6"}}',
        'index.html': page,
        'public/embed.html': page,
        // Dependencies and build output are never walked, whatever the container.
        'node_modules/widget/Widget.vue': `<script setup>\n${page}</script>\n`,
        'dist/index.html': page,
      })
      const plan = planIntegration(dir, { templatesDir })
      expect(plan.files.map((f) => [f.path, f.status])).toEqual([
        ['index.html', 'modified'],
        ['public/embed.html', 'manual'],
        // The dependency, and (no TypeScript anywhere in the project) a JavaScript instance module.
        ['package.json', 'modified'],
        ['lib/byok-instance.js', 'modified'],
        ['.env.example', 'modified'],
      ])
      expect(plan.writes.find((w) => w.path === 'index.html')?.after).toContain(
        "import { byok } from './lib/byok-instance'",
      )
      expect(plan.manual).toEqual([
        expect.objectContaining({
          file: 'public/embed.html',
          line: 2,
          reason: expect.stringContaining('served as is'),
        }),
      ])
    }))
})
