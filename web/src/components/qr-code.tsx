import { useEffect, useState } from 'preact/hooks';
import { ApiError, fetchBlob } from '../api';
import { Alert } from './alert';

/**
 * A link's QR code. An <img src="/api/…"> cannot send the Authorization header, so the image is
 * fetched with the token. It is shown as a data: URL, not a blob: one, because the CSP's img-src
 * allows 'self' and data: only. The PNG download goes through a blob: URL, which img-src does not govern.
 */
export function QrCode({ linkId, code, shortUrl }: { linkId: string; code: string; shortUrl: string }) {
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [downloading, setDownloading] = useState(false);
  const base = `/links/${encodeURIComponent(linkId)}`;

  useEffect(() => {
    let live = true;
    setSrc(null);
    setError(null);
    fetchBlob(`${base}/qr.svg`)
      .then(dataUrl)
      .then((url) => live && setSrc(url))
      .catch((err: unknown) => live && setError(sentence(err, 'The QR code could not be loaded.')));
    return () => {
      live = false;
    };
  }, [base]);

  const download = async () => {
    setDownloading(true);
    setError(null);
    try {
      const url = URL.createObjectURL(await fetchBlob(`${base}/qr.png`));
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = `kurz-${code}.png`;
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      // The browser reads the blob after this task; revoking at once can cancel the download.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(sentence(err, 'The PNG could not be downloaded.'));
    } finally {
      setDownloading(false);
    }
  };

  return (
    <div class="qr">
      {src ? <img src={src} width={200} height={200} alt={`QR code for ${shortUrl}`} /> : !error && <p class="muted">Loading QR code…</p>}
      <Alert message={error} />
      <button type="button" class="secondary" onClick={download} disabled={downloading}>
        {downloading ? 'Downloading…' : 'Download PNG'}
      </button>
    </div>
  );
}

function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

const sentence = (err: unknown, fallback: string) => (err instanceof ApiError ? err.message : fallback);
