"""RuralFlow: planning and operations for two-way rural e-commerce in a Chinese county.

Down (下行): goods to villages. Up (上行): farm products to cities. See DESIGN.md in the
shared folder for the vocabulary and module boundaries.
"""

__version__ = "0.1.0"
