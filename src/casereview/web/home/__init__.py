"""The start page after sign-in: it composes what every app offers a person, so it sits above them all."""
