import { dropTemplateNamedIn } from '../helpers/global-teardown';
import { E2E_TEMPLATE_ENV } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  await dropTemplateNamedIn(E2E_TEMPLATE_ENV);
}
