import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { PiiField } from 'sealed-audit';

export class LoginDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  username!: string;

  /**
   * Declared even though the login route is not `@Audited` (it records its own event without the
   * body): if someone audits the route later, the password is dropped, not even redacted.
   */
  @PiiField({ strategy: 'omit', kind: 'password' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  password!: string;
}
