'use client'

import { ICONS, type IconName } from '../lib/icons'

/** One of the shared icons (constant SVG markup from lib/icons). */
export function Icon({ name }: { name: IconName }) {
  return (
    <span
      style={{ display: 'contents' }}
      // biome-ignore lint/security/noDangerouslySetInnerHtml: constant markup from lib/icons, never user or model text
      dangerouslySetInnerHTML={{ __html: ICONS[name] }}
    />
  )
}

/** A provider's mark (constant SVG from lib/providers); with `label` it is an image with that name. */
export function ProviderMark(props: { logo: string; provider: string; small?: boolean; label?: string }) {
  const className = props.small ? 'provider-mark small' : 'provider-mark'
  const logo = { dangerouslySetInnerHTML: { __html: props.logo } }
  return props.label ? (
    <span
      className={className}
      data-provider={props.provider}
      role="img"
      aria-label={props.label}
      {...logo}
    />
  ) : (
    <span className={className} data-provider={props.provider} aria-hidden="true" {...logo} />
  )
}
