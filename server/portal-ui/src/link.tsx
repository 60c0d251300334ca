import type { ComponentChildren } from 'preact';
import { href, onLinkClick } from './router.js';

export function Link(props: { to: string; children: ComponentChildren; class?: string }) {
  return (
    <a href={href(props.to)} class={props.class} onClick={(event) => onLinkClick(event, props.to)}>
      {props.children}
    </a>
  );
}
