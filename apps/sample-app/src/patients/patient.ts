/** A stored patient record (in memory: the sample app has no patient database). */
export interface Patient {
  id: string;
  fullName: string;
  email: string;
  phone?: string;
  ssn?: string;
  cardNumber?: string;
  dateOfBirth: string;
  notes?: string;
  address?: { street: string; city: string; postcode?: string };
  createdAt: string;
  updatedAt: string;
}
