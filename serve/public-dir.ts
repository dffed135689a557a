/** Where the dashboard's static files live (`serve/public/`): the one place that names the directory. */
import { fileURLToPath } from 'node:url';

/** Directory of the dashboard's static files (with a trailing slash). */
export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
