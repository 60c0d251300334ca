import { useState } from 'preact/hooks';

/** A secret shown on purpose, with a button that copies it. */
export function SecretValue({ secret, label = 'Signing secret' }: { secret: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard?.writeText(secret).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <div class="secret">
      <span class="sr-only">{label}</span>
      <code class="mono secret-value" data-testid="secret-value">
        {secret}
      </code>
      <button type="button" class="ghost" onClick={() => void copy()}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
