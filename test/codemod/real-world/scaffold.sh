#!/usr/bin/env bash
# How the corpus projects' starting points in fixtures/layers/ were made (2026-12-04): each one is the scaffolder's own
# output, taken from its registry tarball, without its README/AGENTS.md. The app code (the AI calls) is in each
# project's fixtures/projects/<name> folder, and two hand-written layers (react-chat, svelte-chat) hold the chat component
# several projects share. Re-run it to see what a scaffolder produces today:
# `test/codemod/real-world/scaffold.sh /tmp/scaffolded`, then `diff -r /tmp/scaffolded test/codemod/real-world/fixtures/layers`
# (it never writes into this folder). Nuxt and Astro are not here: create-nuxt and create-astro download their
# templates from GitHub (giget), which this machine cannot reach, so those two projects follow the frameworks'
# documented minimal layout instead (see ../README.md).
set -euo pipefail
out="${1:?usage: scaffold.sh <output dir>}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
for pkg in create-vite@9.3.0 create-next-app@16.4.3 cra-template-typescript@1.3.0; do
  npm pack --silent "$pkg" >/dev/null
done
for tgz in *.tgz; do mkdir -p "${tgz%.tgz}" && tar xzf "$tgz" -C "${tgz%.tgz}"; done

# create-vite copies template-<name>/ and renames _gitignore; the corpus keeps `_gitignore` (the test renames it
# on checkout) so the templates' ignore rules do not hide the fixture's own .env files from this repository's git.
for t in react-ts vue-ts svelte-ts vanilla-ts; do
  cp -r "create-vite-9.3.0/package/template-$t" "$out/vite-$t"
done

# create-next-app runs offline with --skip-install: App Router and pages router, TypeScript, ESLint, no Tailwind.
next="$work/create-next-app-16.4.3/package/dist/index.js"
common=(--ts --eslint --no-tailwind --no-src-dir --import-alias '@/*' --skip-install --use-npm --yes --disable-git --no-react-compiler)
(cd "$out" && node "$next" next-app "${common[@]}" --app && node "$next" next-pages "${common[@]}" --no-app)
for p in next-app next-pages; do mv "$out/$p/.gitignore" "$out/$p/_gitignore"; done

# SvelteKit: the sv CLI ships its templates in the package.
(cd "$out" && npx -y sv@0.17.1 create sveltekit --template minimal --types ts --no-add-ons --no-install >/dev/null)
mv "$out/sveltekit/.gitignore" "$out/sveltekit/_gitignore"

# Create React App: react-scripts 5 with cra-template-typescript's files and template.json dependencies.
cp -r cra-template-typescript-1.3.0/package/template "$out/cra-typescript"
mv "$out/cra-typescript/gitignore" "$out/cra-typescript/_gitignore"

# Docs for humans and agents are not part of what the corpus checks.
find "$out" -maxdepth 2 \( -name README.md -o -name AGENTS.md -o -name CLAUDE.md \) -delete
