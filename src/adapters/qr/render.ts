import QRCode from 'qrcode';
import type { QrImage } from '../../ports.js';

// Error correction M: a printed code still reads with some 15% of it damaged or covered.
const OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

/** Renders on the calling thread: a PNG of 2048 pixels takes about 0.6 s of CPU, so the pool's workers call this. */
export async function renderQr(text: string, image: QrImage): Promise<Buffer> {
  if (image.format === 'svg') return Buffer.from(await QRCode.toString(text, { ...OPTIONS, type: 'svg' }));
  // qrcode floors width / modules × modules, and for some sizes float error lands it a pixel short.
  return QRCode.toBuffer(text, { ...OPTIONS, type: 'png', width: image.size + 1e-6 });
}
