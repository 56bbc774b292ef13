"""What can go wrong in the clinic, in the clinic's words.

No status codes here: the API maps these to HTTP (app/core/errors.py), the import
job prints them, a test asserts on them.
"""

from datetime import datetime


class ClinicError(Exception):
    """Base of every expected failure. `code` is stable; the message is for people."""

    code = "clinic_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ClinicError):
    """Something the caller named does not exist."""


class Conflict(ClinicError):
    """The request is well formed but clashes with the current state."""


class Unprocessable(ClinicError):
    """The request is well formed, but it cannot be what the caller says it is."""


class Unavailable(ClinicError):
    """A service the clinic depends on failed; nothing of the request was done."""


class TimedOut(ClinicError):
    """A service the clinic depends on did not answer in time; nothing of the request was
    done."""


class PatientNotFound(NotFound):
    code = "patient_not_found"

    def __init__(self, patient_id: int) -> None:
        super().__init__(f"Patient {patient_id} does not exist.")
        self.patient_id = patient_id


class ClinicianNotFound(NotFound):
    code = "clinician_not_found"

    def __init__(self, clinician_id: int) -> None:
        super().__init__(f"Clinician {clinician_id} does not exist.")
        self.clinician_id = clinician_id


class AppointmentNotFound(NotFound):
    code = "appointment_not_found"

    def __init__(self, appointment_id: int) -> None:
        super().__init__(f"Appointment {appointment_id} does not exist.")
        self.appointment_id = appointment_id


class SlotTaken(Conflict):
    code = "slot_taken"

    def __init__(self, clinician_id: int, starts_at: datetime, ends_at: datetime) -> None:
        super().__init__(
            f"Clinician {clinician_id} already has an appointment overlapping "
            f"{starts_at:%Y-%m-%d %H:%M} to {ends_at:%Y-%m-%d %H:%M}."
        )
        self.clinician_id = clinician_id


class ClinicClosed(ClinicError):
    code = "clinic_closed"

    def __init__(self, starts_at: datetime, ends_at: datetime) -> None:
        super().__init__(
            f"The clinic is closed between {starts_at:%Y-%m-%d %H:%M} and {ends_at:%Y-%m-%d %H:%M}: "
            "it sees patients Monday to Saturday, 08:00 to 18:00."
        )


class AppointmentAlreadyCancelled(Conflict):
    code = "appointment_already_cancelled"

    def __init__(self, appointment_id: int) -> None:
        super().__init__(f"Appointment {appointment_id} is already cancelled.")
        self.appointment_id = appointment_id


class EmailTaken(Conflict):
    code = "email_taken"

    def __init__(self, email: str) -> None:
        super().__init__(f"Another member of staff already signs in as {email}.")
        self.email = email


class CannotDeactivateYourself(Conflict):
    code = "cannot_deactivate_yourself"

    def __init__(self) -> None:
        super().__init__("Admins cannot deactivate their own account.")


class NotificationFailed(Unavailable):
    code = "notification_failed"

    def __init__(self, reason: str) -> None:
        super().__init__(f"The message could not be sent ({reason}); nothing was changed.")


class PatientEmailTaken(Conflict):
    code = "email_taken"

    def __init__(self, email: str) -> None:
        super().__init__(f"Another patient already signs in as {email}.")
        self.email = email


class NoInsurance(NotFound):
    code = "no_insurance"

    def __init__(self, patient_id: int) -> None:
        super().__init__(f"Patient {patient_id} has no insurance member id on file.")
        self.patient_id = patient_id


class MemberUnknown(NotFound):
    code = "member_unknown"

    def __init__(self, member_id: str) -> None:
        super().__init__(f"The insurer knows no member {member_id}.")
        self.member_id = member_id


class InsurerFailed(Unavailable):
    code = "insurer_failed"

    def __init__(self, reason: str) -> None:
        super().__init__(f"The insurer could not be asked ({reason}); try again later.")


class JobNotFound(NotFound):
    code = "job_not_found"

    def __init__(self, job_id: int) -> None:
        super().__init__(f"Job {job_id} does not exist.")
        self.job_id = job_id


class LabResultsTimeout(TimedOut):
    code = "lab_results_timeout"

    def __init__(self) -> None:
        super().__init__("The laboratory did not answer in time; try again later.")


class LabResultsFailed(Unavailable):
    code = "lab_results_failed"

    def __init__(self, reason: str) -> None:
        super().__init__(f"The laboratory could not be asked ({reason}); try again later.")


class PaymentFailed(Unavailable):
    code = "payment_failed"

    def __init__(self, reason: str) -> None:
        super().__init__(f"The payment processor did not charge the card ({reason}); "
                         "nothing was paid.")

