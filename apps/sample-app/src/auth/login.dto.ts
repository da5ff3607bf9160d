import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { PiiField } from 'sealed-audit';

export class LoginDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  username!: string;

  /** Never stored, not even redacted: a failed login is a 401, which the trail records with its body. */
  @PiiField({ strategy: 'omit', kind: 'password' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  password!: string;
}
