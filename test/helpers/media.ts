import request from 'supertest';
import type { Express } from 'express';

/** Uploads a file as `token`'s user through the real API; answers its hash. */
export async function uploadMedia(app: Express, token: string, bytes: Buffer, name: string): Promise<string> {
  const res = await request(app).post('/api/media').set('Authorization', `Bearer ${token}`).attach('file', bytes, name);
  if (res.status !== 201 && res.status !== 200) throw new Error(`upload ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.hash as string;
}
