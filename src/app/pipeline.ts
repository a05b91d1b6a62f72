import type { Request } from "./request.js";
import type { Response, ResponseBody } from "./response.js";

/**
 * Runs before hooks, the handler and after hooks in order, synchronously as long as each step
 * returns synchronously: a promise is created only when a step returns a thenable, so a plain
 * handler costs no promise at all.
 */

export type HookResult = void | PromiseLike<void>;
export type BeforeHook = (request: Request, response: Response) => HookResult;
export type AfterHook = (request: Request, response: Response) => HookResult;
export type ErrorHook = (error: unknown, request: Request, response: Response) => HookResult;
// biome-ignore lint/suspicious/noConfusingVoidType: handlers that return nothing are typed void.
export type HandlerResult = void | ResponseBody | PromiseLike<void | ResponseBody>;
export type AnyHandler = (request: Request, response: Response) => HandlerResult;

export interface Chain {
  /** before hooks, then the handler at `handlerIndex`, then after hooks. */
  readonly steps: readonly AnyHandler[];
  readonly handlerIndex: number;
  /** Per step: where the after hooks resume when that step fails. */
  readonly resumeAt: readonly number[];
  /** Error hooks, innermost (route) first. */
  readonly errorHooks: readonly ErrorHook[];
}

export interface PipelineHost {
  /** Makes the default error response (after the error hooks did not answer). */
  renderError(error: unknown, request: Request, response: Response): void;
  /** Converts the body and sets defaults; called once at the very end. */
  finish(request: Request, response: Response): void;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

export function runChain(
  chain: Chain,
  request: Request,
  response: Response,
  host: PipelineHost,
  from = 0,
): void | Promise<void> {
  const steps = chain.steps;
  const handlerIndex = chain.handlerIndex;
  for (let index = from; index < steps.length; index++) {
    let result: HandlerResult;
    try {
      result = steps[index]!(request, response);
    } catch (error) {
      return fail(chain, request, response, host, error, index);
    }
    if (isThenable(result)) return resume(chain, request, response, host, result, index);
    // Helpers are chainable, so `(request, response) => response.json(x)` returns the response.
    if (index === handlerIndex) {
      if (result !== undefined && result !== response) response.body = result;
    } else if (index < handlerIndex && response.ended) {
      // Answered early: continue with the after hooks of the levels whose before hooks ran.
      index = chain.resumeAt[index]! - 1;
    }
  }
  host.finish(request, response);
}

async function resume(
  chain: Chain,
  request: Request,
  response: Response,
  host: PipelineHost,
  pending: PromiseLike<unknown>,
  index: number,
): Promise<void> {
  let value: unknown;
  try {
    value = await pending;
  } catch (error) {
    return fail(chain, request, response, host, error, index);
  }
  if (index === chain.handlerIndex && value !== undefined && value !== response) {
    response.body = value as ResponseBody;
  }
  const next = index < chain.handlerIndex && response.ended ? chain.resumeAt[index]! : index + 1;
  return runChain(chain, request, response, host, next);
}

/**
 * A step failed: error hooks may answer; otherwise the default error response is made. Then the
 * after hooks of every level whose before hooks ran still run (so timing headers and sessions
 * apply to error responses too). A failure while handling a failure goes straight to the default
 * response.
 */
function fail(
  chain: Chain,
  request: Request,
  response: Response,
  host: PipelineHost,
  error: unknown,
  index: number,
): void | Promise<void> {
  const resumeAt = chain.resumeAt[index]!;
  const hooks = chain.errorHooks;
  // Whatever the failed step left in the body is not an answer: an error hook answers by setting
  // a new body (or calling end()); otherwise the default error response is made.
  const stale = response.body as { destroy?: () => void } | null | undefined;
  if (typeof stale?.destroy === "function") stale.destroy();
  response.body = undefined;
  response.ended = false;
  for (let hook = 0; hook < hooks.length && !answered(response); hook++) {
    let result: HookResult;
    try {
      result = hooks[hook]!(error, request, response);
    } catch (hookError) {
      host.renderError(hookError, request, response);
      return afterFailure(chain, request, response, host, resumeAt);
    }
    if (isThenable(result)) {
      return continueErrorHooks(chain, request, response, host, error, result, hook, resumeAt);
    }
  }
  if (!answered(response)) host.renderError(error, request, response);
  return afterFailure(chain, request, response, host, resumeAt);
}

function answered(response: Response): boolean {
  return response.ended || response.body !== undefined;
}

async function continueErrorHooks(
  chain: Chain,
  request: Request,
  response: Response,
  host: PipelineHost,
  error: unknown,
  pending: PromiseLike<void>,
  hook: number,
  resumeAt: number,
): Promise<void> {
  try {
    await pending;
    for (let next = hook + 1; next < chain.errorHooks.length && !answered(response); next++) {
      await chain.errorHooks[next]!(error, request, response);
    }
    if (!answered(response)) host.renderError(error, request, response);
  } catch (hookError) {
    host.renderError(hookError, request, response);
  }
  return afterFailure(chain, request, response, host, resumeAt);
}

function afterFailure(
  chain: Chain,
  request: Request,
  response: Response,
  host: PipelineHost,
  from: number,
): void | Promise<void> {
  const steps = chain.steps;
  for (let index = from; index < steps.length; index++) {
    let result: HandlerResult;
    try {
      result = steps[index]!(request, response);
    } catch (error) {
      host.renderError(error, request, response);
      break;
    }
    if (isThenable(result)) {
      return (async () => {
        try {
          await result;
          for (let next = index + 1; next < steps.length; next++)
            await steps[next]!(request, response);
        } catch (error) {
          host.renderError(error, request, response);
        }
        host.finish(request, response);
      })();
    }
  }
  host.finish(request, response);
}
