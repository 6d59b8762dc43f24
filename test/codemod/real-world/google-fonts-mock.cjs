// next/font/google fetches its CSS from fonts.googleapis.com at build time, which this machine cannot reach.
// Next.js's own test suite answers it from a file named by NEXT_FONT_GOOGLE_MOCKED_RESPONSES; so do the corpus
// builds, for the fonts create-next-app's templates use, with a placeholder font file.
// Turbopack downloads the font file itself, so the corpus test serves a placeholder on loopback.
const FONT = `${process.env.CORPUS_FONT_ORIGIN ?? 'http://127.0.0.1:9'}/placeholder.woff2`
const face = (family) => `@font-face {
  font-family: '${family}';
  font-style: normal;
  font-weight: 100 900;
  font-display: swap;
  src: url(${FONT}) format('woff2');
  unicode-range: U+0000-00FF, U+0131, U+0152-0153, U+02BB-02BC, U+02C6, U+02DA, U+02DC, U+0304, U+0308, U+0329, U+2000-206F, U+20AC, U+2122, U+2191, U+2193, U+2212, U+2215, U+FEFF, U+FFFD;
}
`

module.exports = {
  'https://fonts.googleapis.com/css2?family=Geist:wght@100..900&display=swap': `/* latin */\n${face('Geist')}`,
  'https://fonts.googleapis.com/css2?family=Geist+Mono:wght@100..900&display=swap': `/* latin */\n${face('Geist Mono')}`,
}
