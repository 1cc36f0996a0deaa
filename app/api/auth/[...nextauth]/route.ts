import NextAuth from "next-auth";
import { getPortal } from "@/lib/portal-instance";

type Context = { params: Promise<{ nextauth: string[] }> };

async function handler(req: Request, context: Context): Promise<Response> {
  return NextAuth(req as never, context as never, await getPortal().auth.nextAuthOptions()) as Promise<Response>;
}

export { handler as GET, handler as POST };
