"""One router per feature: auth, counties (and station operations), epcis, resolver, runs."""
