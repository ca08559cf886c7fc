"""The configuration panel's parts: the form's values and the session document they make
(``form``, no Qt), the error lines under the fields, and one editor per group of fields."""
