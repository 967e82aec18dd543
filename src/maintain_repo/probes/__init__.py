"""Probes: observe running services over the network, judge, remember, and report.

`observe` modules (http, tcp, tls, dns) each make one attempt and describe
what they saw; `run` schedules attempts concurrently and judges them with
the probe's CEL condition; `state` decides when a run of results opens or
resolves an incident; `history` and `store` keep the record of it all.
"""
