// Imported first by every webview entry: zod's fast path compiles parsers with `new Function`, which
// the webviews' strict CSP (no 'unsafe-eval') refuses and reports as a violation even though zod
// catches it. jitless parsing is plenty for postMessage- and ws-sized messages.
import { z } from 'zod';

z.config({ jitless: true });
