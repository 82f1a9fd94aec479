import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

/**
 * A QR code of `text`, drawn in this browser as SVG by the `qrcode` package
 * (the secret never leaves the page for an image service). Shown as an
 * image with `label` for its alternative text.
 */
export function QrCode({ text, label }: { text: string; label: string }) {
  const [source, setSource] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }).then(
      (svg) => current && setSource(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`),
      () => current && setSource(null),
    );
    return () => {
      current = false;
    };
  }, [text]);
  if (!source) return null;
  return <img className="qr-code" src={source} alt={label} width={200} height={200} />;
}
