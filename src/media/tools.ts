import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Which local tools the media analysers can use on this machine. */
export interface MediaTools {
  /** tesseract with every language OCR needs. */
  ocr: boolean;
  /** ffmpeg and ffprobe. */
  video: boolean;
  /** What is missing, said in words an admin can act on. */
  missing: string[];
}

async function answers(command: string, args: string[]): Promise<string | null> {
  try {
    const { stdout, stderr } = await run(command, args, { timeout: 10_000 });
    return `${stdout}\n${stderr}`;
  } catch {
    return null;
  }
}

let probe: Promise<MediaTools> | undefined;

/** Probes tesseract (with the languages asked for) and ffmpeg once per process. */
export function mediaTools(languages: string): Promise<MediaTools> {
  return (probe ??= (async () => {
    const missing: string[] = [];
    const langs = await answers('tesseract', ['--list-langs']);
    const wanted = languages.split('+');
    const haveLangs = langs !== null && wanted.every((l) => new RegExp(`^${l}$`, 'm').test(langs));
    if (langs === null) missing.push('tesseract (apt-get install -y tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng)');
    else if (!haveLangs) missing.push(`tesseract language data ${wanted.join(', ')} (apt-get install -y tesseract-ocr-chi-sim tesseract-ocr-eng)`);
    const video = (await answers('ffprobe', ['-version'])) !== null && (await answers('ffmpeg', ['-version'])) !== null;
    if (!video) missing.push('ffmpeg/ffprobe (apt-get install -y ffmpeg)');
    return { ocr: haveLangs, video, missing };
  })());
}

/** Forgets the probe (tests that change PATH). */
export function resetMediaTools(): void {
  probe = undefined;
}
