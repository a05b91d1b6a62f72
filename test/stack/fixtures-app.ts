import { healthPlugin, Server } from "../../src/index.js";

// The app behind the proxies in test/stack: one signed-in session read by every instance (they
// share SESSION_KEY), and who the client is as the app sees it.
declare module "../../src/index.js" {
  interface SessionData {
    stackUser: string;
  }
}

const trustProxy = process.env.STACK_TRUST_PROXY;
const app = new Server({
  logger: false,
  session: { keys: [process.env.SESSION_KEY ?? ""] },
  ...(trustProxy === undefined ? {} : { trustProxy }),
});
app.use(healthPlugin());
app.get("/login", (request) => {
  request.session.stackUser = "ada";
  return "signed in";
});
app.get("/me", (request) => ({
  user: request.session.stackUser ?? null,
  ip: request.ip,
  port: request.connection.remotePort,
  protocol: request.protocol,
  instance: process.env.STACK_INSTANCE ?? "",
  pid: process.pid,
}));
app.get("/pid", () => String(process.pid));
export default app;
