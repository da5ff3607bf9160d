import { ValidationPipe, type INestApplication } from '@nestjs/common';

/** Global set-up shared by `main.ts` and the end-to-end tests, so both run the same app. */
export function configureApp(app: INestApplication): INestApplication {
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true }));
  return app;
}
