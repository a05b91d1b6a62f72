import type { AccessLogEntry, Logger, Request, Response } from "../../src/index.js";
import { Server, serveStatic } from "../../src/index.js";
import { apiRoutes } from "./api.js";
import { errorPages } from "./errors.js";
import { accountRoutes } from "./pages/account.js";
import { chatRoutes } from "./pages/chat.js";
import { cookieRoutes } from "./pages/cookies.js";
import { fileRoutes } from "./pages/files.js";
import { guestbookRoutes } from "./pages/guestbook.js";
import { homePage } from "./pages/home.js";
import { notesPageRoutes } from "./pages/notes.js";
import { streamRoutes } from "./pages/stream.js";
import { publicDir } from "./paths.js";
import { isUpload, SESSION_COOKIE } from "./session.js";
import { DemoStore } from "./store.js";

export interface DemoOptions {
  /** Where the guestbook, notes and uploads are kept (created if missing). */
  dataDir: string;
  /** Session keys, primary first (see `npm run keygen`). */
  sessionKeys: string[];
  development?: boolean;
  logger?: Logger | false;
  accessLog?: boolean | ((entry: AccessLogEntry) => void);
  /** Largest uploaded file. Default 5 MB. */
  maxUploadBytes?: number;
  /** Files per upload. Default 5. */
  maxUploadFiles?: number;
  /** Time between server-sent events. Default 1000 ms. */
  streamIntervalMs?: number;
  /** Events per stream. Default 30. */
  streamEvents?: number;
  /** Cache lifetime of /static/ files in seconds. Default 3600. */
  staticMaxAge?: number;
}

const started = new WeakMap<Request, number>();

function startTimer(request: Request): void {
  started.set(request, performance.now());
}

/** The after hook the README promises: how long the app took, for browsers' dev tools too. */
function timingHeaders(request: Request, response: Response): void {
  const since = started.get(request);
  if (since === undefined) return;
  const ms = performance.now() - since;
  response.headers.set("server-timing", `app;dur=${ms.toFixed(2)}`);
  response.headers.set("x-response-time", `${ms.toFixed(2)}ms`);
}

/** The whole demo site, ready for `app.run()` (or `app.inject()` in tests). */
export function createDemoApp(options: DemoOptions): Server {
  const app = new Server({
    development: options.development ?? false,
    logger: options.logger,
    accessLog: options.accessLog ?? false,
    compression: true,
    session: { keys: options.sessionKeys, cookieName: SESSION_COOKIE },
    csrf: {
      // The JSON API takes no cookies' word for anything (cross-site requests are still refused);
      // the streamed upload checks its token itself (see session.ts).
      exempt: (request) => request.path.startsWith("/api/") || isUpload(request),
    },
  });
  const store = new DemoStore(options.dataDir);
  const uploads = {
    maxFileBytes: options.maxUploadBytes ?? 5 * 1024 * 1024,
    maxFiles: options.maxUploadFiles ?? 5,
  };

  app.before(startTimer);
  app.after(timingHeaders);
  app.onError(errorPages(app));

  app.get("/", homePage);
  app.get(
    "/static/*path",
    serveStatic(publicDir, { maxAge: options.staticMaxAge ?? 3600, precompressed: false }),
  );
  accountRoutes(app);
  cookieRoutes(app);
  guestbookRoutes(app, store);
  fileRoutes(app, store, uploads);
  notesPageRoutes(app, store);
  apiRoutes(app, store);
  chatRoutes(app);
  streamRoutes(app, {
    intervalMs: options.streamIntervalMs ?? 1000,
    maxEvents: options.streamEvents ?? 30,
  });
  return app;
}
